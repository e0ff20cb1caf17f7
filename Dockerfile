# The ba-conformance tool as a container image, its issuer bundled (process mode inside):
#   docker run --rm --network host -v "$PWD:/work" <image> run --config conformance.config.ts
# Build context: app/ (the npm package installed with its production dependencies) beside this
# file, which `npm run image` (scripts/image.ts) prepares and builds. NODE_IMAGE is any image with
# `node` >= 20.18 on PATH: a public one by default, or the one harness/issuer/base-image.ts builds
# from the host's node where no image registry is reachable.
ARG NODE_IMAGE=node:20-slim
FROM ${NODE_IMAGE}
# Empty, except on the host-built base: the shared libraries the native addons in app/ link.
COPY rootfs/ /
COPY app/ /opt/ba-conformance/
# No Docker engine inside, so the auto mode runs the harness issuer as a child process; no mode is set
# here, so a config file's issuer.mode (external for staging) is what the run uses.
ENV NO_UPDATE_NOTIFIER=1
# The team's repository is mounted here; paths in its config are relative to the config file.
WORKDIR /work
ENTRYPOINT ["node", "/opt/ba-conformance/node_modules/better-auth-conformance/bin/ba-conformance.js"]
CMD ["--help"]
