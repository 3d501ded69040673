/**
 * TensorFlow.js backend selection. The native backends download binaries at install time and often are
 * not installed (they are optional dependencies), so the best available one is chosen at run time:
 * tfjs-node-gpu → tfjs-node → WebAssembly → plain JavaScript. `AFFECTFLOW_TF_BACKEND` (or the
 * `preference` argument) forces one. The choice is logged once.
 */
import * as tf from '@tensorflow/tfjs-core';

export type BackendName = 'tensorflow-gpu' | 'tensorflow' | 'wasm' | 'cpu';

const ORDER: BackendName[] = ['tensorflow-gpu', 'tensorflow', 'wasm', 'cpu'];

let chosen: Promise<BackendName> | undefined;

async function tryBackend(name: BackendName): Promise<boolean> {
  try {
    switch (name) {
      case 'tensorflow-gpu':
      case 'tensorflow': {
        // The native packages register a "tensorflow" backend on the tfjs-core they load; it must be the
        // same tfjs-core instance as ours for the backend to be usable here.
        const pkg = name === 'tensorflow-gpu' ? '@tensorflow/tfjs-node-gpu' : '@tensorflow/tfjs-node';
        await import(pkg);
        if (!tf.findBackendFactory('tensorflow')) return false;
        return await tf.setBackend('tensorflow');
      }
      case 'wasm': {
        await import('@tensorflow/tfjs-backend-wasm');
        return await tf.setBackend('wasm');
      }
      case 'cpu': {
        await import('@tensorflow/tfjs-backend-cpu');
        return await tf.setBackend('cpu');
      }
    }
  } catch {
    return false;
  }
}

/**
 * Select (once per process) and initialise the fastest available backend.
 * @returns the backend in use.
 */
export function selectBackend(preference?: string, log: (message: string) => void = () => {}): Promise<BackendName> {
  chosen ??= (async () => {
    // Production mode: no debug checks, and no "install the node backend" banner (we log the choice ourselves).
    tf.env().set('PROD', true);
    const forced = (preference ?? process.env['AFFECTFLOW_TF_BACKEND'] ?? '').trim();
    if (forced && !ORDER.includes(forced as BackendName)) {
      throw new Error(`unknown TensorFlow.js backend "${forced}"; choose one of ${ORDER.join(', ')}`);
    }
    const candidates = forced ? [forced as BackendName] : ORDER;
    const tried: string[] = [];
    for (const name of candidates) {
      if (await tryBackend(name)) {
        await tf.ready();
        log(`TensorFlow.js backend: ${name}${tried.length ? ` (not available: ${tried.join(', ')})` : ''}`);
        return name;
      }
      tried.push(name);
    }
    throw new Error(`no TensorFlow.js backend could be initialised (tried ${tried.join(', ')})`);
  })();
  return chosen;
}
