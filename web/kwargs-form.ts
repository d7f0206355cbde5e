// The make kwargs of an env as form inputs, from what list_envs declares for it (type, default,
// description): a checkbox for a boolean, a number input for a number or integer, text for a string.
import type { EnvInfo } from '../protocol/schema/messages.ts';
import type { Kwargs } from './remote-env.ts';

type KwargSpec = EnvInfo['kwargs'][string];

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
      input.type = spec.type === 'string' ? 'text' : 'number';
      if (spec.type === 'integer') input.step = '1';
      if (spec.type === 'number') input.step = 'any';
      input.value = spec.default === null ? '' : String(spec.default);
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
    else {
      const v = Number(input.value);
      if (!Number.isFinite(v) || (type === 'integer' && !Number.isInteger(v)))
        throw new Error(`kwarg ${input.name}: '${input.value}' is not ${type === 'integer' ? 'an integer' : 'a number'}`);
      out[input.name] = v;
    }
  }
  return out;
}
