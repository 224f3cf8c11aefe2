#!/usr/bin/env node
// The installed command: the compiled entry point (built by `npm ci` through the `prepare` script).
import "../dist/operator/main.js";
