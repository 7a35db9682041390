// Regenerates openapi.yaml from the resource table: `npm run openapi`.
import { writeFileSync } from 'node:fs';
import { stringify } from 'yaml';
import { RESOURCES } from '../api/resources.js';
import { buildRestOpenApi } from '../routes/rest-openapi.js';

writeFileSync(new URL('../../openapi.yaml', import.meta.url), `# Generated from api/resources.ts by \`npm run openapi\`; test/routes/rest-openapi.test.ts keeps it true.\n${stringify(buildRestOpenApi(RESOURCES), { lineWidth: 0, aliasDuplicateObjects: false })}`);
