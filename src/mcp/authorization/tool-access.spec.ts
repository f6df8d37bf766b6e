import { decideToolAccess, isGated, toolAccessDeniedMessage, toolAccessMeta } from './tool-access';

const adele = { roles: ['Tools.Admin'], groups: ['B5A3C1D0-7E2F-4A6B-9C8D-0F1E2D3C4B01'] };
const megan = { roles: [], groups: ['c6b4d2e1-8f3a-4b7c-8d9e-1a2b3c4d5b02'] };
const admins = 'b5a3c1d0-7e2f-4a6b-9c8d-0f1e2d3c4b01';

describe('per-tool authorization (Entra app roles and groups)', () => {
  it('lets everyone call a tool that requires no role or group', () => {
    expect(decideToolAccess({}, megan)).toEqual({ allowed: true });
    expect(decideToolAccess({ roles: [], groups: [] }, megan)).toEqual({ allowed: true });
    expect(isGated({ roles: [] })).toBe(false);
  });

  it('requires one of the listed app roles, compared exactly', () => {
    expect(decideToolAccess({ roles: ['Tools.Admin'] }, adele)).toEqual({ allowed: true });
    expect(decideToolAccess({ roles: ['Tools.Reader', 'Tools.Admin'] }, adele)).toEqual({ allowed: true });
    expect(decideToolAccess({ roles: ['Tools.Admin'] }, megan)).toEqual({ allowed: false, missingRoles: ['Tools.Admin'], missingGroups: [] });
    expect(decideToolAccess({ roles: ['tools.admin'] }, adele).allowed).toBe(false);
  });

  it('requires membership in one of the listed groups, ids compared case-insensitively', () => {
    expect(decideToolAccess({ groups: [admins] }, adele)).toEqual({ allowed: true });
    expect(decideToolAccess({ groups: [admins] }, megan)).toEqual({ allowed: false, missingRoles: [], missingGroups: [admins] });
  });

  it('requires both when a tool lists roles and groups', () => {
    expect(decideToolAccess({ roles: ['Tools.Admin'], groups: [admins] }, adele)).toEqual({ allowed: true });
    expect(decideToolAccess({ roles: ['Tools.Admin'], groups: [admins] }, { roles: ['Tools.Admin'], groups: [] })).toMatchObject({ allowed: false, missingRoles: [], missingGroups: [admins] });
  });

  it('names the missing role in one sentence', () => {
    const denied = decideToolAccess({ roles: ['Tools.Admin'] }, megan);
    if (denied.allowed) throw new Error('expected a denial');
    expect(toolAccessDeniedMessage('get_server_status', denied)).toBe(
      'The tool get_server_status needs the app role Tools.Admin, which your account does not have; an administrator can assign it in Microsoft Entra ID, then sign in again.',
    );
    const both = decideToolAccess({ roles: ['A', 'B'], groups: [admins] }, megan);
    if (both.allowed) throw new Error('expected a denial');
    expect(toolAccessDeniedMessage('t', both)).toContain(`one of the app roles A, B and membership in the group ${admins}`);
  });

  it('describes a gated tool’s requirements for tools/list (_meta), nothing for an open tool', () => {
    expect(toolAccessMeta({ roles: ['Tools.Admin'] })).toEqual({ 'mcp-entra-server/authorization': { roles: ['Tools.Admin'] } });
    expect(toolAccessMeta({})).toBeUndefined();
  });
});
