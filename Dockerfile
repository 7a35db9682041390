# kubemock: a small multi-stage image. The build stage compiles TypeScript; the runtime stage has
# only production dependencies and the compiled output, runs as the unprivileged `node` user and
# listens on 0.0.0.0 inside the container.
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json tsconfig.json tsconfig.build.json ./
RUN npm ci --ignore-scripts
COPY server ./server
COPY routes ./routes
COPY api ./api
COPY store ./store
COPY controllers ./controllers
RUN npm run build && npm prune --omit=dev

FROM node:20-bookworm-slim
ENV NODE_ENV=production \
    KUBEMOCK_HOST=0.0.0.0 \
    KUBEMOCK_PORT=8080 \
    KUBEMOCK_DATA=/data/kubemock.json
WORKDIR /app
COPY --from=build /app/package.json ./package.json
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY bin ./bin
RUN mkdir -p /data && chown node:node /data
USER node
VOLUME ["/data"]
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=3s --start-period=5s \
  CMD node -e "fetch('http://127.0.0.1:'+(process.env.KUBEMOCK_PORT||8080)+'/readyz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
ENTRYPOINT ["node", "dist/server/main.js"]
