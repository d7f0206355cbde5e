// The make kwargs of an env as form inputs, from what list_envs declares for it (type, default,
// description): a checkbox for a boolean, a number input for a number or integer, text for a
// string, and text "low, high" for a range (1.4; inf and -inf allowed, as Python prints them).
import type { EnvInfo } from '../protocol/schema/messages.ts';
import { parseRangeText } from '../protocol/kwarg-range.ts';
import type { Kwargs } from './remote-env.ts';

type KwargSpec = EnvInfo['kwargs'][string];

/** One end of a range as the field shows it: inf / -inf for the infinities. */
function endText(x: number): string {
  return x === Infinity ? 'inf' : x === -Infinity ? '-inf' : String(x);
}

/** A kwarg's default as its field's text. */
function defaultText(spec: KwargSpec): string {
  if (spec.default === null) return '';
  if (Array.isArray(spec.default)) return spec.default.map(endText).join(', ');
  return String(spec.default);
}

export function fillKwargsForm(fieldset: HTMLFieldSetElement, info: EnvInfo): void {
  fieldset.replaceChildren(Object.assign(document.createElement('legend'), { textContent: 'kwargs' }));
  for (const [name, spec] of Object.entries(info.kwargs)) {
    const label = document.createElement('label');
    label.title = spec.description;
    const input = document.createElement('input');
    input.name = name;
    input.dataset.type = spec.type;
    if (spec.type === 'boolean') {
      input.type = 'checkbox';
      input.checked = spec.default === true;
      label.className = 'inline';
      label.append(input, name);
    } else {
      input.type = spec.type === 'string' || spec.type === 'range' ? 'text' : 'number';
      if (spec.type === 'integer') input.step = '1';
      if (spec.type === 'number') input.step = 'any';
      if (spec.type === 'range') input.placeholder = 'low, high (inf, -inf)';
      input.value = defaultText(spec);
      label.append(name, input);
    }
    fieldset.append(label);
  }
}

/** The kwargs the form holds; a field left at its default is still sent (make accepts every declared kwarg). Throws naming a bad number. */
export function readKwargsForm(fieldset: HTMLFieldSetElement): Kwargs {
  const out: Kwargs = {};
  for (const input of fieldset.querySelectorAll('input')) {
    const type = input.dataset.type as KwargSpec['type'];
    if (type === 'boolean') out[input.name] = input.checked;
    else if (type === 'string') out[input.name] = input.value;
    else if (input.value.trim() === '') out[input.name] = null;
    else if (type === 'range') {
      try {
        out[input.name] = parseRangeText(input.value);
      } catch (e) {
        throw new Error(`kwarg ${input.name}: ${(e as Error).message}`);
      }
    } else {
      const v = Number(input.value);
      if (!Number.isFinite(v) || (type === 'integer' && !Number.isInteger(v)))
        throw new Error(`kwarg ${input.name}: '${input.value}' is not ${type === 'integer' ? 'an integer' : 'a number'}`);
      out[input.name] = v;
    }
  }
  return out;
}
