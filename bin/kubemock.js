#!/usr/bin/env node
// The installed command: starts the bundled server with its code cache (see server/launcher.ts).
import { launch } from '../dist/server/launcher.js';

await launch();
