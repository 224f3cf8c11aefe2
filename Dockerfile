# Built and run on the Node 24 LTS release the tests run on (docs/adr/0001; the runtime test checks the tag).
# Two stages: compile the operator (not the benchmark) and bundle `ecsnet run` (docs/adr/0009-bundled-runtime.md),
# then a slim runtime with production dependencies only,
# as a non-root user, runnable with a read-only root filesystem (test/integration/deploy/image.test.ts runs
# these steps outside Docker and checks that the entrypoint writes nothing).
FROM node:24.22.3-bookworm-slim AS build
WORKDIR /src
COPY package.json package-lock.json ./
# Optional dependencies included here: esbuild's native binary is one (@esbuild/linux-x64). This stage is not shipped.
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY operator ./operator
COPY scripts/bundle.mjs ./scripts/bundle.mjs
RUN npx tsc -p tsconfig.build.json && node scripts/bundle.mjs

FROM node:24.22.3-bookworm-slim
ARG VERSION=0.1.0
ARG REVISION=unknown
ARG CREATED=unknown
LABEL org.opencontainers.image.title="ecsnet" \
      org.opencontainers.image.description="Kubernetes operator that keeps the AWS networking of ECS workloads in private subnets correct and self-healing" \
      org.opencontainers.image.source="https://github.com/ecsnet/ecsnet" \
      org.opencontainers.image.documentation="https://github.com/ecsnet/ecsnet/blob/main/docs/deploy.md" \
      org.opencontainers.image.licenses="Apache-2.0" \
      org.opencontainers.image.vendor="ecsnet" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.created="${CREATED}" \
      org.opencontainers.image.base.name="docker.io/library/node:24.22.3-bookworm-slim"
ENV NODE_ENV=production
# Runtime settings for memory, each measured by `npm run bench -- --only memory` (docs/benchmarks.md, figure 5):
# - V8's heap sized for the operator rather than from the node's RAM (on a large node V8 lets the young generation
#   grow to 64 MiB and collects the old one lazily): 1 MiB semi-spaces, old generation capped at 192 MiB (well
#   above the ~40 MiB heap of 1,000 networks); one V8 worker thread instead of one per core.
# - glibc's malloc: two arenas instead of 8 per core, and blocks from 16 KiB up mmap'd, so the memory V8's compilers
#   and parsers borrow goes back to the system when freed instead of staying in glibc's heap.
# Override NODE_OPTIONS / MALLOC_* in the Deployment to resize; the ENTRYPOINT's V8 flags are below.
ENV NODE_OPTIONS="--max-semi-space-size=1 --max-old-space-size=192 --v8-pool-size=1"
ENV MALLOC_ARENA_MAX=2
ENV MALLOC_MMAP_THRESHOLD_=16384
WORKDIR /app
COPY package.json package-lock.json ./
# --omit=optional: the base image has Node; the Node binary packages in optionalDependencies are for npm ci on
# a developer's machine.
RUN npm ci --omit=dev --omit=optional --ignore-scripts --no-audit --no-fund && npm cache clean --force
COPY --from=build /src/dist/operator ./dist/operator
COPY --from=build /src/dist/bundle ./dist/bundle
COPY bin ./bin
COPY crds ./crds
USER 65532:65532
# V8 flags NODE_OPTIONS does not accept: no optimizing compilers (TurboFan, Maglev; the operator waits on AWS and
# Kubernetes, not on its CPU), code and heap laid out for size (figure 5). Marking stays concurrent, on the one
# V8 worker: a drift sweep allocates faster than the main thread alone marks, and GC on the main thread only
# (--single-threaded-gc) let the heap run 20-30 MiB further ahead during each sweep.
ENTRYPOINT ["node", "--optimize-for-size", "--no-opt", "--no-maglev", "/app/bin/ecsnet.js"]
CMD ["run"]
