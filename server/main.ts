// The process entry point of the compiled modules (dist/server/main.js): runs the command line.
// The installed command (bin/kubemock.js) starts the bundled file through launcher.ts instead.
import { exitOnFatal, main } from './cli.js';

main().catch(exitOnFatal);
