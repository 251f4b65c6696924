#!/usr/bin/env bash
# Fetches Apache RocketMQ from Maven Central into .cache/rocketmq/ (ignored by git), once:
#   .cache/rocketmq/5.3.3/lib/*.jar  rocketmq-namesrv, rocketmq-broker, rocketmq-tools and their dependencies
#   .cache/rocketmq/4.9.7/lib/*.jar  rocketmq-broker 4.9.7 (the 4.x dialect: compressed registration;
#                                  4.9.8 is not on Maven Central, 4.9.7 is the newest 4.x there)
# A folder that is already complete (its .complete marker exists) is skipped.
# Needs Java 17 and Maven (.ci/run installs them on a fresh machine).
set -euo pipefail
cd "$(dirname "$0")/../.."
CACHE="${ROCKETMQ_CACHE:-$PWD/.cache/rocketmq}"

fetch() { # version artifacts...
  local version="$1"; shift
  local dir="$CACHE/$version"
  if [ -f "$dir/.complete" ]; then
    echo "RocketMQ $version: already in $dir"
    return
  fi
  rm -rf "$dir"; mkdir -p "$dir"
  local deps=""
  for a in "$@"; do
    deps+="<dependency><groupId>org.apache.rocketmq</groupId><artifactId>$a</artifactId><version>$version</version></dependency>"
  done
  cat >"$dir/pom.xml" <<POM
<?xml version="1.0" encoding="UTF-8"?>
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>local.interop</groupId>
  <artifactId>rocketmq-$version</artifactId>
  <version>0</version>
  <packaging>pom</packaging>
  <dependencies>$deps</dependencies>
</project>
POM
  echo "RocketMQ $version: fetching $* from Maven Central"
  local start=$SECONDS
  mvn -q -B -f "$dir/pom.xml" dependency:copy-dependencies \
    -DoutputDirectory="$dir/lib" -DincludeScope=runtime
  touch "$dir/.complete"
  echo "RocketMQ $version: $(ls "$dir/lib" | wc -l) jars in $((SECONDS - start)) s"
}

fetch 5.3.3 rocketmq-namesrv rocketmq-broker rocketmq-tools
fetch 4.9.7 rocketmq-broker
