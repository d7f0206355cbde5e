// The overlay replaces planck methods on its own instances, and re-implements some of them
// operation for operation; both are only right for the planck they were written against. This
// checks, when the overlay is loaded, that the installed planck is that version and that the
// source of every method the overlay stands in for (or relies on the internals of) is the
// one it was written for, and stops with a clear error otherwise.
//
//   node --import tsx envs/box2d/planck-overlay/check.ts    prints the installed planck's
//                                                            fingerprints (see README.md)
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { Body, BroadPhase, Contact, DynamicTree, EdgeShape, PolygonShape, RevoluteJoint, World } from 'planck';

export const PLANCK_VERSION = '1.5.0';

type Method = (...args: never[]) => unknown;
const proto = (cls: { prototype: object }): Record<string, Method> => cls.prototype as Record<string, Method>;

/** The planck methods the overlay replaces, wraps or mirrors, by name. */
const METHODS: Record<string, Method> = {
  'RevoluteJoint.initVelocityConstraints': proto(RevoluteJoint).initVelocityConstraints,
  'RevoluteJoint.solveVelocityConstraints': proto(RevoluteJoint).solveVelocityConstraints,
  'RevoluteJoint.solvePositionConstraints': proto(RevoluteJoint).solvePositionConstraints,
  'Contact.solveVelocityConstraint': proto(Contact).solveVelocityConstraint,
  'Body.setAwake': proto(Body).setAwake,
  'BroadPhase.updatePairs': proto(BroadPhase).updatePairs,
  'DynamicTree.allocateNode': proto(DynamicTree).allocateNode,
  'DynamicTree.freeNode': proto(DynamicTree).freeNode,
  'DynamicTree.rayCast': proto(DynamicTree).rayCast,
  'EdgeShape.rayCast': proto(EdgeShape).rayCast,
  'PolygonShape.rayCast': proto(PolygonShape).rayCast,
  'World.rayCast': proto(World).rayCast,
  'World.createBody': proto(World).createBody,
  'World.createJoint': proto(World).createJoint,
  'World.createContact': proto(World).createContact,
  'World.destroyContact': proto(World).destroyContact,
};

/** Each method's fingerprint (see fingerprint()) as planck 1.5.0 ships it. */
const FINGERPRINTS: Record<string, string> = {
  'RevoluteJoint.initVelocityConstraints': '764cfdf2cce46d89',
  'RevoluteJoint.solveVelocityConstraints': '053ba871eebeb6e0',
  'RevoluteJoint.solvePositionConstraints': 'af089c4b3a476510',
  'Contact.solveVelocityConstraint': '61c8c08f805ef087',
  'Body.setAwake': '7ff17242d1c9a841',
  'BroadPhase.updatePairs': 'ae3f3fa8968ad6a1',
  'DynamicTree.allocateNode': 'cf23ef9f7a41571f',
  'DynamicTree.freeNode': '517b53bf390221a0',
  'DynamicTree.rayCast': '56e7f0dbc6c66b29',
  'EdgeShape.rayCast': '86c19a4679738666',
  'PolygonShape.rayCast': 'c38ede0f1a6dccb2',
  'World.rayCast': '9e402fba7a5a7993',
  'World.createBody': '79acc1f4144275d5',
  'World.createJoint': '4553be0d046806e8',
  'World.createContact': '05150a52b2bbdf98',
  'World.destroyContact': 'c503c724b1237376',
};

/** A planck build as the check sees it: its version and its methods' source text. */
export interface PlanckBuild {
  version: string;
  sources: Record<string, string>;
}

/** The planck that `import 'planck'` loads. */
export function installedPlanck(): PlanckBuild {
  const entry = createRequire(import.meta.url).resolve('planck');
  let dir = dirname(entry);
  // The package.json next to the entry point's dist/ folder.
  while (!dir.endsWith('planck') && dirname(dir) !== dir) dir = dirname(dir);
  const { version } = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { version: string };
  const sources: Record<string, string> = {};
  for (const [name, method] of Object.entries(METHODS)) sources[name] = typeof method === 'function' ? method.toString() : '(missing)';
  return { version, sources };
}

/**
 * The first 16 hex digits of the SHA-256 of a method's source, whitespace runs read as one
 * space: planck's CommonJS build (what `require('planck')` loads) is its ES module build
 * indented one level deeper inside a wrapper, the same code otherwise.
 */
function fingerprint(source: string): string {
  return createHash('sha256').update(source.trim().replace(/\s+/g, ' ')).digest('hex').slice(0, 16);
}

/** What in `build` differs from the planck the overlay was written for (empty: it fits). */
export function overlayMismatches(build: PlanckBuild): string[] {
  const out: string[] = [];
  if (build.version !== PLANCK_VERSION) out.push(`planck ${build.version} is installed`);
  for (const name of Object.keys(METHODS)) {
    const source = build.sources[name];
    if (source === undefined || fingerprint(source) !== FINGERPRINTS[name]) out.push(`${name} is not the one of planck ${PLANCK_VERSION}`);
  }
  return out;
}

/** Throws, saying what differs and what to do, unless `build` is what the overlay was written for. */
export function assertOverlayFits(build: PlanckBuild = installedPlanck()): void {
  const mismatches = overlayMismatches(build);
  if (mismatches.length === 0) return;
  const error = new Error(
    `envs/box2d/planck-overlay was written for planck ${PLANCK_VERSION}: ${mismatches.join('; ')}. ` +
      `Install planck ${PLANCK_VERSION} (npm ci), or re-verify the overlay against this planck ` +
      `(envs/box2d/planck-overlay/README.md) and update check.ts.`,
  );
  error.name = 'PlanckOverlayMismatch';
  throw error;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const build = installedPlanck();
  console.log(`planck ${build.version}`);
  for (const [name, source] of Object.entries(build.sources)) console.log(`  '${name}': '${fingerprint(source)}',`);
}
