# The remoting gateway (`namesrv gateway`) as a container: RocketMQ's NameServer protocol on 9876 in
# front of the serverless registry's HTTP API, and GET /health on 9880 for load balancers and probes.
#
# Built from the package's own build output: the build stage compiles the package and packs it
# (`npm pack`, what `npm publish` ships); the runtime stage installs that tarball with its runtime
# dependencies only. Nothing is installed when the container starts. Multi-arch (linux/arm64 and
# linux/amd64): the build stage runs on the builder's platform (the output is JavaScript), the runtime
# stage is the target's.
#
#   docker buildx build --platform linux/arm64,linux/amd64 -t <registry>/namesrv-gateway:<tag> .
#   docker run -e NAMESRV_URL=https://<api-id>.execute-api.<region>.amazonaws.com -p 9876:9876 <image>
#
# The stack's managed endpoint (-c remotingEndpoint=true) builds this file at `cdk deploy` (Docker is
# needed then, not for `cdk synth`). test/e2e/gateway-image.test.ts runs ENTRYPOINT + CMD with ENV as a
# process; keep them in the JSON (exec) form.

FROM --platform=$BUILDPLATFORM node:20-bookworm-slim AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY . .
RUN npm run build && npm pack --ignore-scripts --pack-destination /out && mv /out/*.tgz /out/package.tgz

FROM node:20-bookworm-slim
WORKDIR /opt/namesrv
COPY --from=build /out/package.tgz /tmp/package.tgz
RUN npm install --omit=dev --ignore-scripts --no-audit --no-fund --prefix /opt/namesrv /tmp/package.tgz \
 && rm /tmp/package.tgz && npm cache clean --force
USER 1000:1000
ENV NODE_ENV=production \
    NAMESRV_GATEWAY_LISTEN=0.0.0.0:9876 \
    NAMESRV_GATEWAY_HEALTH_PORT=9880 \
    NAMESRV_GATEWAY_DRAIN_MS=15000
EXPOSE 9876 9880
STOPSIGNAL SIGTERM
ENTRYPOINT ["node", "/opt/namesrv/node_modules/serverless-namesrv/dist/bin/namesrv.js"]
CMD ["gateway"]
