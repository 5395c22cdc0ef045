#!/usr/bin/env bash
# Size of the workspace image (and of its base), as a table and one JSON line:
#   {"bench":"image-size","image":"...","bytes":N,"mb":N,"targetMb":1800,"withinTarget":true}
# Usage: bash bench/image-size.sh [image]   (default $WORKSPACE_IMAGE or agent-platform/workspace:latest)
set -euo pipefail

image="${1:-${WORKSPACE_IMAGE:-agent-platform/workspace:latest}}"
target_mb="${IMAGE_SIZE_TARGET_MB:-1800}"

if ! docker image inspect "$image" >/dev/null 2>&1; then
  echo "image ${image} not found: run 'npm run provision' first" >&2
  exit 1
fi

mb() { echo $(( ($1 + 500000) / 1000000 )); }

bytes="$(docker image inspect -f '{{.Size}}' "$image")"
inputs_hash="$(docker image inspect -f '{{index .Config.Labels "platform.inputs-hash"}}' "$image")"
layers="$(docker history -q "$image" | wc -l)"

printf '%-48s %10s\n' "image" "size (MB)"
printf '%-48s %10s\n' "$image" "$(mb "$bytes")"
for other in debian:bookworm-slim agent-platform/debian-base:bookworm; do
  if docker image inspect "$other" >/dev/null 2>&1; then
    printf '%-48s %10s\n' "  base: ${other}" "$(mb "$(docker image inspect -f '{{.Size}}' "$other")")"
  fi
done
echo "largest layers:"
docker history --no-trunc --format '{{.Size}}\t{{.CreatedBy}}' "$image" \
  | awk -F'\t' '$1 != "0B" { print }' | sort -h -r | head -n 4 \
  | while IFS=$'\t' read -r size created; do
      created="${created#/bin/bash -o pipefail -c }"
      [[ -n "$created" ]] || created="(base image)"
      printf '  %-9s %s\n' "$size" "${created:0:70}"
    done

within=false
(( bytes <= target_mb * 1000000 )) && within=true
printf '{"bench":"image-size","image":"%s","bytes":%d,"mb":%d,"layers":%d,"targetMb":%d,"withinTarget":%s,"inputsHash":"%s"}\n' \
  "$image" "$bytes" "$(mb "$bytes")" "$layers" "$target_mb" "$within" "${inputs_hash:0:12}"
