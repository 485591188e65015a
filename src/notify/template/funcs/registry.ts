/**
 * @module The function map templates see: Go's builtins overlaid with Sprig's TxtFuncMap
 * (Sprig's `slice` replaces Go's, as in `template.New(…).Funcs(sprig.TxtFuncMap())`).
 *
 * Not provided (a template using one fails to parse with `function "…" not defined`): Sprig's
 * crypto and certificate helpers (bcrypt, htpasswd, genCA, genPrivateKey, derivePassword,
 * encryptAES, …), getHostByName, semver/semverCompare, snakecase, camelcase, kebabcase,
 * urlParse and urlJoin.
 */
import { builtinFuncs } from './builtins.ts';
import { dateFuncs } from './dates.ts';
import { defaultFuncs } from './defaults.ts';
import { dictFuncs } from './dicts.ts';
import { encodingFuncs } from './encoding.ts';
import type { GoFunc } from './go-func.ts';
import { listFuncMap } from './lists.ts';
import { mathFuncs } from './math.ts';
import { regexFuncMap } from './regex.ts';
import { stringFuncs } from './strings.ts';

const sprigFuncs: ReadonlyMap<string, GoFunc> = new Map([
	...stringFuncs,
	...listFuncMap,
	...dictFuncs,
	...mathFuncs,
	...dateFuncs,
	...encodingFuncs,
	...defaultFuncs,
	...regexFuncMap,
]);

/** Every function a template can call, by name. */
export const templateFuncs: ReadonlyMap<string, GoFunc> = new Map([...builtinFuncs, ...sprigFuncs]);

/** Names that resolve to Go's builtins (and/or/call are evaluated specially). */
export const builtinNames: ReadonlySet<string> = new Set([...builtinFuncs.keys()].filter((name) => !sprigFuncs.has(name)));
