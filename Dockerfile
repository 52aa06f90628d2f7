# Production image: compiled JavaScript and production dependencies only. Node 22 LTS (the code
# also runs on Node 20, see package.json's engines).
FROM node:22-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ormconfig.ts ./
COPY src ./src
# Starters beside the gateway, compiled to dist/scripts: demo-ams.js (the demo AMS over HTTP,
# as docker-compose.yml runs it), source-check.js and sso-mint-token.js.
COPY scripts ./scripts
RUN npx tsc -p tsconfig.build.json && npm prune --omit=dev

FROM node:22-bookworm-slim
ENV NODE_ENV=production
ENV PORT=4000
WORKDIR /app
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
# The embedded SQLite file's default home (SQLITE_FILE=data/amsgate.sqlite, relative to /app):
# owned by the user the gateway runs as, and a volume so the cache outlives the container.
RUN mkdir -p /app/data && chown node:node /app/data
VOLUME ["/app/data"]
USER node
EXPOSE 4000
# Ready, not merely alive: on the port the container was given ($PORT), not a fixed one.
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||4000)+'/readyz').then(r=>process.exit(r.ok?0:1)).catch(()=>process.exit(1))"]
CMD ["node", "dist/src/main.js"]
