import { createHash } from 'node:crypto';
import { EMULATOR_TENANT_ID } from '../config/emulator.constants';

/** A user of the emulated tenant, with the attributes Entra and Graph expose. */
export interface DemoUser {
  /** Entra object id: stable across applications (the id_token `oid`, Graph `id`). */
  oid: string;
  tid: string;
  /** Display name (`name` claim, Graph `displayName`). */
  name: string;
  /** Sign-in name (`preferred_username` claim, Graph `userPrincipalName`). */
  preferredUsername: string;
  mail: string;
  givenName: string;
  surname: string;
  jobTitle: string;
  officeLocation: string;
  /** App roles assigned in the emulated app registration (id_token `roles`). */
  roles: string[];
  /** Security group object ids (id_token `groups`). */
  groups: string[];
}

/** The emulated tenant's app roles (defined on the app registration, assigned to users). */
export const DEMO_APP_ROLES = {
  /** Gates the `get_server_status` tool. */
  toolsAdmin: 'Tools.Admin',
} as const;

/** The emulated tenant's security groups, by object id (Entra puts ids, not names, in the `groups` claim). */
export const DEMO_GROUPS = {
  /** "MCP Tool Administrators": Adele Vance. */
  toolAdministrators: 'b5a3c1d0-7e2f-4a6b-9c8d-0f1e2d3c4b01',
  /** "Marketing": Megan Bowen, Alex Wilber. */
  marketing: 'c6b4d2e1-8f3a-4b7c-8d9e-1a2b3c4d5b02',
} as const;

/** Microsoft's well-known demo personas; the first is the default on the sign-in page. */
export const DEMO_USERS: readonly DemoUser[] = [
  {
    oid: '0b6c5d2e-8f1a-4e3b-9c7d-1a2b3c4d5e01',
    tid: EMULATOR_TENANT_ID,
    name: 'Adele Vance',
    preferredUsername: 'adelev@contoso.example',
    mail: 'adelev@contoso.example',
    givenName: 'Adele',
    surname: 'Vance',
    jobTitle: 'Retail Manager',
    officeLocation: '18/2111',
    roles: [DEMO_APP_ROLES.toolsAdmin],
    groups: [DEMO_GROUPS.toolAdministrators],
  },
  {
    oid: '4e9a7b1c-2d3f-4a5b-8c6d-1a2b3c4d5e02',
    tid: EMULATOR_TENANT_ID,
    name: 'Megan Bowen',
    preferredUsername: 'meganb@contoso.example',
    mail: 'meganb@contoso.example',
    givenName: 'Megan',
    surname: 'Bowen',
    jobTitle: 'Marketing Manager',
    officeLocation: '12/1110',
    roles: [],
    groups: [DEMO_GROUPS.marketing],
  },
  {
    oid: '7f3e2d1c-5b4a-4c9d-8e7f-1a2b3c4d5e03',
    tid: EMULATOR_TENANT_ID,
    name: 'Alex Wilber',
    preferredUsername: 'alexw@contoso.example',
    mail: 'alexw@contoso.example',
    givenName: 'Alex',
    surname: 'Wilber',
    jobTitle: 'Marketing Assistant',
    officeLocation: '131/1104',
    roles: [],
    groups: [DEMO_GROUPS.marketing],
  },
];

export function findDemoUser(oid: string): DemoUser | undefined {
  return DEMO_USERS.find((user) => user.oid === oid);
}

/**
 * The id_token `sub`: Entra's is pairwise (differs per application) and opaque,
 * unlike `oid`. Deriving it from oid and client id keeps it stable and shows
 * clients that they must key users by `oid`, not `sub`.
 */
export function pairwiseSubject(user: DemoUser, clientId: string): string {
  return createHash('sha256').update(`${user.oid}:${clientId}`).digest('base64url').slice(0, 43);
}
