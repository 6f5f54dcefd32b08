// Validates docs/asyncapi.json (generated from contracts::catalogue) with the AsyncAPI
// Initiative's own parser: the document must parse and resolve with no diagnostic at all.
//   node end2end/check-asyncapi.mjs docs/asyncapi.json     (scripts/test.sh runs it)
import { Parser } from '@asyncapi/parser';
import { readFileSync } from 'node:fs';

const path = process.argv[2] ?? new URL('../docs/asyncapi.json', import.meta.url).pathname;
const { document, diagnostics } = await new Parser().parse(readFileSync(path, 'utf8'));
for (const d of diagnostics) {
  console.error(`${path}: ${d.code}: ${d.message} at /${d.path.join('/')}`);
}
if (!document || diagnostics.length > 0) {
  console.error(`${path}: ${diagnostics.length} diagnostics`);
  process.exit(1);
}
console.log(
  `${path}: AsyncAPI ${document.version()}, ${document.channels().length} channels, ` +
    `${document.operations().length} operations, ${document.allMessages().length} messages, no diagnostics`,
);
