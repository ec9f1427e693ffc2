# Loopdesk container image: a static Go binary on distroless, run as nonroot.
# Build: docker build -t loopdesk .   Run with Postgres: docker compose up

# 1. Front-end packages from npm (htmx), pinned by web/package-lock.json.
FROM node:20-alpine AS web
WORKDIR /src/web
COPY web/package.json web/package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund

# 2. The Go binary. htmx and its SSE extension are copied into web/static/vendor before the build
#    because web/assets.go embeds web/static.
FROM golang:1.26-alpine AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
COPY --from=web /src/web/node_modules/htmx.org/dist/htmx.min.js web/static/vendor/htmx.min.js
COPY --from=web /src/web/node_modules/htmx-ext-sse/dist/sse.min.js web/static/vendor/sse.js
RUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /out/loopdesk ./cmd/server

# 3. Runtime: just the binary.
FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/loopdesk /loopdesk
USER nonroot
EXPOSE 8080
ENV LOOPDESK_ADDR=0.0.0.0:8080 LOOPDESK_DATA_DIR=/tmp/loopdesk
ENTRYPOINT ["/loopdesk"]
CMD ["serve"]
