# syntax=docker/dockerfile:1

# Dependencies stage: every dependency, installed as the unprivileged `node` user (the
# native better-sqlite3 addon compiles here, hence python3/make/g++).
FROM node:22-bookworm-slim AS deps
RUN apt-get update \
  && apt-get install -y --no-install-recommends python3 make g++ \
  && rm -rf /var/lib/apt/lists/* \
  && mkdir -p /app /data && chown node:node /app /data
WORKDIR /app
USER node
COPY --chown=node:node package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY --chown=node:node nest-cli.json tsconfig.json tsconfig.build.json ./

# Development stage: docker compose's `dev` profile bind-mounts ./src over /app/src and runs
# `nest start --watch` here; node_modules stays in the container (Linux build of the addon).
FROM deps AS dev
COPY --chown=node:node src ./src
EXPOSE 8000 8001

# Build stage: compiled code, then production dependencies only.
FROM deps AS build
COPY --chown=node:node src ./src
RUN npm run build && npm prune --omit=dev --no-audit --no-fund

# Runtime stage: package.json, production dependencies and compiled code only, as a non-root
# user. No devDependency is needed here (logs are JSON lines; pino-pretty is development-only).
FROM node:22-bookworm-slim AS runtime
ENV NODE_ENV=production \
    PORT=8000 \
    DATA_DIR=/data
WORKDIR /app
COPY --from=build --chown=node:node /app/package.json ./package.json
COPY --from=build --chown=node:node /app/node_modules ./node_modules
COPY --from=build --chown=node:node /app/dist ./dist
RUN mkdir -p /data && chown node:node /data
USER node
EXPOSE 8000
VOLUME ["/data"]
HEALTHCHECK --interval=30s --timeout=3s --start-period=10s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||8000)+'/health').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
CMD ["node", "dist/main.js"]
