/** npm run schema: writes config/schema.json from the zod schema (a test checks it is current). */
import * as fs from 'fs';
import { configJsonSchema } from '../app/environment';

fs.writeFileSync('config/schema.json', JSON.stringify(configJsonSchema(), null, 2) + '\n');
console.log('wrote config/schema.json');
