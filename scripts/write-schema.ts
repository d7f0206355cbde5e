// npm run schema: regenerates protocol/schema.json from the TypeBox definitions.
import { writeFileSync } from 'node:fs';
import { protocolJsonSchemaText } from '../protocol/schema/json-schema.ts';

const target = new URL('../protocol/schema.json', import.meta.url);
writeFileSync(target, protocolJsonSchemaText());
console.log(`wrote ${target.pathname}`);
