# kubemock: a small multi-stage image. The build stage compiles TypeScript; the runtime stage has
# only production dependencies and the compiled output, runs as the unprivileged `node` user and
# listens on 0.0.0.0 inside the container. It starts the same command as `npx kubemock`, so flags
# go after the image name (`docker run kubemock --tls`); configure it with the KUBEMOCK_*
# environment variables where you can, since the HEALTHCHECK reads KUBEMOCK_PORT and KUBEMOCK_TLS.
# Node 24, the active LTS line: Node 20 reached its end of life in April 2026 (kubemock itself runs on
# 20.18 and later). V8's Maglev tier in 24 also makes the first DaemonSet fan-out in a fresh process
# about a fifth quicker (README, Benchmarks).
FROM node:24-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json tsconfig.json tsconfig.build.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY server ./server
COPY routes ./routes
COPY api ./api
COPY store ./store
COPY controllers ./controllers
COPY scripts ./scripts
COPY bin ./bin
# The build bundles the server (dist/kubemock.cjs); one start in the image writes the bundle's code
# cache beside it (server/launcher.ts), which the unprivileged runtime user could not write later.
RUN npm run build \
  && (node bin/kubemock.js --data memory --port 0 --log-level silent & sleep 5; kill $!) \
  && test -s dist/kubemock.cjs.cache \
  && npm prune --omit=dev

FROM node:24-bookworm-slim
ENV NODE_ENV=production \
    KUBEMOCK_HOST=0.0.0.0 \
    KUBEMOCK_PORT=8080 \
    KUBEMOCK_DATA=/data/kubemock.json
WORKDIR /app
COPY --from=build /app/package.json ./package.json
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY bin ./bin
# /data holds the data file, its journal and, with KUBEMOCK_TLS, the CA and certificate (kubemock.json.tls/).
RUN mkdir -p /data && chown node:node /data
USER node
VOLUME ["/data"]
EXPOSE 8080
# /readyz needs no token even with KUBEMOCK_TOKEN_FILE; the check tries https too when the server was started with --tls.
HEALTHCHECK --interval=10s --timeout=5s --start-period=10s --retries=3 \
  CMD ["node", "dist/server/healthcheck.js"]
ENTRYPOINT ["node", "bin/kubemock.js"]
