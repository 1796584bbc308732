#!/usr/bin/env bash
# Runs the demo workflow (the seed's simple_workflow: join_words then excitement) on a fresh machine
# with Java 17 and Maven: builds Valence, then runs the example. Extra arguments are ignored for now.
set -euo pipefail
cd "$(dirname "$0")/.."
mvn -B -q install -DskipTests
exec mvn -B -q -pl examples org.codehaus.mojo:exec-maven-plugin:3.5.0:java -Dexec.mainClass=dev.valence.examples.SeedExample
