# Built and run on the current Node LTS (docs/adr/0001). Two stages: compile, then a slim runtime with
# production dependencies only, as a non-root user.
FROM node:24.22.3-bookworm-slim AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY operator ./operator
COPY bench ./bench
RUN npx tsc -p tsconfig.build.json

FROM node:24.22.3-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --omit=optional --ignore-scripts --no-audit --no-fund && npm cache clean --force
COPY --from=build /src/dist ./dist
COPY bin ./bin
COPY crds ./crds
USER 65532:65532
ENTRYPOINT ["node", "/app/bin/ecsnet.js"]
CMD ["run"]
