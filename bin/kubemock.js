#!/usr/bin/env node
// The installed command: runs the compiled server entry point.
import '../dist/server/main.js';
