// Options that mean the same in several commands (run, list, demo): declared once, so their
// spelling and help text cannot drift apart.
import { Option } from 'commander';
import { ISSUER_MODES } from '../issuer/index.js';

export const onlyOption = () => new Option('--only <prefixes...>', 'only checks whose ID starts with one of these (e.g. SIG- CLM-EXP)');
export const skipOption = () => new Option('--skip <prefixes...>', 'leave out checks whose ID starts with one of these (e.g. JWKS- for a quicker run)');
export const issuerModeOption = () => new Option('--issuer-mode <mode>', 'where the harness issuer runs').choices(ISSUER_MODES);
