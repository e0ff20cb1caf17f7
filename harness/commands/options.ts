// Options that mean the same in several commands (run, list, demo): the settings' own flags, from
// the settings' table (config/schema.ts), so their spelling and help cannot drift apart.
import { optionOf, settingAt } from '../config/settings.js';

export const onlyOption = () => optionOf(settingAt('only'));
export const skipOption = () => optionOf(settingAt('skip'));
export const issuerModeOption = () => optionOf(settingAt('issuer.mode'));
export const algOption = (help?: string) => optionOf(settingAt('issuer.algorithms'), help);
