/**
 * Where the CLI's files are: the checkout's root (rules.yml, pricing, templates, bin/) and this
 * folder (the report's client script). The one module that reads __dirname: the CLI runs either from
 * its sources (tsx) or from a bundle of them (bin/bedrock-watch.js), which defines __dirname as this
 * folder, so every path below means the same in both.
 */
import { resolve } from 'node:path';

export const CLI_DIR = __dirname;
export const ROOT = resolve(CLI_DIR, '..', '..');
