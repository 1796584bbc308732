#!/usr/bin/env bash
# Runs the demo workflow (the seed's simple_workflow: join_words then excitement) on a fresh machine
# with Java 17 and Maven: builds the Valence distribution (distribution/target/valence), then runs
# 'valence run'. It uses the cluster of your current kube context when it answers, else runs the
# tasks locally, and says which. Extra arguments go to 'valence run' (e.g. --executor local).
set -euo pipefail
cd "$(dirname "$0")/.."
mvn -B -q -pl distribution -am package -DskipTests
exec distribution/target/valence/bin/valence run "$@"
