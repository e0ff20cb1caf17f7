// Options that mean the same in several commands (run, list, demo): declared once, so their
// spelling and help text cannot drift apart.
import { Option } from 'commander';
import { RUN_ISSUER_MODES } from '../issuer/capabilities.js';

export const onlyOption = () => new Option('--only <prefixes...>', 'only checks whose ID starts with one of these (e.g. SIG- CLM-EXP)');
export const skipOption = () => new Option('--skip <prefixes...>', 'leave out checks whose ID starts with one of these (e.g. JWKS- for a quicker run)');
export const issuerModeOption = () =>
  new Option('--issuer-mode <mode>', "the issuer the backend trusts: the harness's own (auto, process, container) or the team's Better Auth (external, with --issuer-url)").choices(RUN_ISSUER_MODES);
