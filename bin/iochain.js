#!/usr/bin/env node
// The CLI lives in dist/ (npm run build); this shim keeps `bin` stable.
import("../dist/src/cli/main.js").then((m) => m.main(process.argv));
