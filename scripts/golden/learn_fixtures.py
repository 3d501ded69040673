#!/usr/bin/env python3
"""Golden fixtures for the training engine (nodes/learn/engine).

Run with /usr/bin/python3 (torch 1.13, scikit-learn, scipy):

    /usr/bin/python3 scripts/golden/learn_fixtures.py

Writes small files to test/golden/learn/: safetensors (weights and inputs, float32) and JSON (expected
values). PyTorch, scikit-learn and scipy are the reference implementations; the TypeScript tests load the
same weights and inputs and compare. Everything here is deterministic (fixed seeds, float32 models).
"""
import json
import math
import os
import struct

import numpy as np
import scipy.ndimage
import scipy.stats
import sklearn.metrics
import torch
import torch.nn as nn

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'test', 'golden', 'learn')
torch.manual_seed(0)
np.random.seed(0)
torch.set_num_threads(1)


def write_safetensors(path, tensors, dtypes=None, metadata=None):
    """Minimal safetensors writer (the `safetensors` package is not installed here)."""
    dtypes = dtypes or {}
    header = {}
    if metadata:
        header['__metadata__'] = metadata
    blobs = []
    offset = 0
    for name in sorted(tensors):
        t = tensors[name]
        dtype = dtypes.get(name, 'F32')
        if isinstance(t, torch.Tensor):
            t = t.detach()
        if dtype == 'F32':
            data = np.ascontiguousarray(np.asarray(t, dtype='<f4')).tobytes()
        elif dtype == 'F64':
            data = np.ascontiguousarray(np.asarray(t, dtype='<f8')).tobytes()
        elif dtype == 'F16':
            data = np.ascontiguousarray(np.asarray(t, dtype='<f2')).tobytes()
        elif dtype == 'BF16':
            data = torch.as_tensor(t, dtype=torch.bfloat16).contiguous().view(torch.int16).numpy().astype('<i2').tobytes()
        else:
            raise ValueError(dtype)
        shape = list(t.shape)
        header[name] = {'dtype': dtype, 'shape': shape, 'data_offsets': [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    h = json.dumps(header, separators=(',', ':')).encode()
    h += b' ' * ((8 - (8 + len(h)) % 8) % 8)
    with open(path, 'wb') as f:
        f.write(struct.pack('<Q', len(h)))
        f.write(h)
        for b in blobs:
            f.write(b)


def tolist(t):
    if isinstance(t, torch.Tensor):
        t = t.detach().double().numpy()
    return np.asarray(t, dtype=np.float64).reshape(-1).tolist()


def write_json(path, obj):
    with open(path, 'w') as f:
        json.dump(obj, f, indent=None, separators=(',', ':'))
        f.write('\n')


def lstm_readout(lstm, x, lengths):
    """torch semantics the engine must reproduce: top-layer output at each sample's last real step."""
    out, _ = lstm(x)
    return out[torch.arange(x.shape[0]), torch.as_tensor(lengths) - 1]


def mlp(in_dim, hidden, out_dim):
    return nn.Sequential(nn.Linear(in_dim, hidden), nn.Tanh(), nn.Linear(hidden, out_dim))


def grads_of(named_params):
    return {name: tolist(p.grad) for name, p in named_params}


# ---------------------------------------------------------------------------------------------------------
# 1. Stacked LSTM alone: forward and parameter gradients for an upstream gradient dOut.
def lstm_fixture():
    B, T, In, H = 4, 7, 5, 4
    lengths = [5, 2, 1, 4]  # max 5 < T: steps 5 and 6 are never computed
    lstm = nn.LSTM(In, H, num_layers=2, batch_first=True)
    x = torch.randn(B, T, In)  # padding holds random values on purpose: they must not matter
    d_out = torch.randn(B, H)
    out = lstm_readout(lstm, x, lengths)
    (out * d_out).sum().backward()
    named = [(f'enc.{n}', p) for n, p in lstm.named_parameters()]
    tensors = {n: p for n, p in named}
    tensors['input.x'] = x
    tensors['input.dOut'] = d_out
    write_safetensors(os.path.join(OUT, 'lstm.safetensors'), tensors)
    write_json(os.path.join(OUT, 'lstm.json'), {
        'batch': B, 'maxLength': T, 'dim': In, 'units': H, 'layers': 2, 'lengths': lengths,
        'output': tolist(out), 'grads': grads_of(named),
    })


# ---------------------------------------------------------------------------------------------------------
# 2. EMI-like model: LSTM over a sequence + a text vector → fusion (Linear, Tanh, Linear), MSE loss.
class EmiLike(nn.Module):
    def __init__(self, in_dim, units, text_dim, hidden, outputs):
        super().__init__()
        self.vision_lstm = nn.LSTM(in_dim, units, num_layers=2, batch_first=True)
        self.fusion = mlp(units + text_dim, hidden, outputs)

    def forward(self, x, lengths, text):
        h = lstm_readout(self.vision_lstm, x, lengths)
        return self.fusion(torch.cat([h, text], dim=1))


EMI_RENAME = {'vision_lstm.': 'vision.', 'fusion.': 'head.'}


def renamed(name):
    for a, b in EMI_RENAME.items():
        if name.startswith(a):
            return b + name[len(a):]
    return name


def emi_fixture():
    B, T, In, H, D, hidden, outputs = 3, 6, 4, 3, 2, 5, 3
    lengths = [6, 3, 4]
    model = EmiLike(In, H, D, hidden, outputs)
    x = torch.randn(B, T, In)
    text = torch.randn(B, D)
    y = torch.rand(B, outputs)
    pred = model(x, lengths, text)
    loss = nn.functional.mse_loss(pred, y)
    loss.backward()
    # The state dict with the authors' style of names (vision_lstm.*, fusion.*): loaded through a rename.
    state = {n: p for n, p in model.state_dict().items()}
    state_inputs = dict(state)
    state_inputs.update({'input.x': x, 'input.text': text, 'input.y': y})
    write_safetensors(os.path.join(OUT, 'emi.safetensors'), state_inputs, metadata={'format': 'pt'})
    write_json(os.path.join(OUT, 'emi.json'), {
        'batch': B, 'maxLength': T, 'dim': In, 'units': H, 'textDim': D, 'hidden': hidden, 'outputs': outputs,
        'lengths': lengths, 'rename': EMI_RENAME,
        'prediction': tolist(pred), 'loss': loss.item(),
        'grads': {renamed(n): tolist(p.grad) for n, p in model.named_parameters()},
    })

    # Several AdamW steps (with value clipping and the cosine schedule) from the same initial weights.
    model2 = EmiLike(In, H, D, hidden, outputs)
    model2.load_state_dict(state)
    lr, clip, warmup, total, steps = 1e-2, 0.05, 2, 6, 4
    opt = torch.optim.AdamW(model2.parameters(), lr=lr, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.01)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: hf_cosine(s, warmup, total))
    losses, lrs, min_abs_grad = [], [], math.inf
    for _ in range(steps):
        opt.zero_grad()
        lrs.append(opt.param_groups[0]['lr'])
        loss = nn.functional.mse_loss(model2(x, lengths, text), y)
        loss.backward()
        min_abs_grad = min(min_abs_grad, min(p.grad.abs().min().item() for p in model2.parameters()))
        torch.nn.utils.clip_grad_value_(model2.parameters(), clip)
        opt.step()
        sched.step()
        losses.append(loss.item())
    if min_abs_grad < 1e-6:
        print(f'warning: a gradient value is {min_abs_grad:.2e}; Adam steps may be sensitive to rounding')
    write_json(os.path.join(OUT, 'adamw.json'), {
        'lr': lr, 'clip': clip, 'warmup': warmup, 'total': total, 'steps': steps, 'weightDecay': 0.01,
        'lrs': lrs, 'losses': losses,
        'params': {renamed(n): tolist(p) for n, p in model2.named_parameters()},
    })


def hf_cosine(step, warmup, total, num_cycles=0.5):
    """transformers.get_cosine_schedule_with_warmup's lr_lambda (transformers is not installed here)."""
    if step < warmup:
        return float(step) / float(max(1, warmup))
    progress = float(step - warmup) / float(max(1, total - warmup))
    return max(0.0, 0.5 * (1.0 + math.cos(math.pi * float(num_cycles) * 2.0 * progress)))


def schedule_fixture():
    cases = []
    for warmup, total in [(10, 50), (0, 7), (3, 3), (1, 100)]:
        p = nn.Parameter(torch.zeros(1))
        opt = torch.optim.SGD([p], lr=1.0)
        sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: hf_cosine(s, warmup, total))
        values = []
        for _ in range(total + 5):
            values.append(opt.param_groups[0]['lr'])
            opt.step()
            sched.step()
        cases.append({'warmup': warmup, 'total': total, 'multipliers': values})
    write_json(os.path.join(OUT, 'schedule.json'), cases)


# ---------------------------------------------------------------------------------------------------------
# 3. MTL: one head per modality, learned log std per head, Kendall loss; fused prediction.
class Mtl(nn.Module):
    def __init__(self, dims, hidden, outputs, init_log_std):
        super().__init__()
        self.heads = nn.ModuleList([mlp(d, hidden, outputs) for d in dims])
        self.log_std = nn.Parameter(torch.tensor(init_log_std, dtype=torch.float32))

    def forward(self, xs):
        preds = [h(x) for h, x in zip(self.heads, xs)]
        w = torch.exp(-2 * self.log_std)
        fused = sum(w[i] * preds[i] for i in range(len(preds))) / w.sum()
        return fused, preds

    def loss(self, preds, y, base):
        s = self.log_std
        per_head = torch.stack([base(p, y) for p in preds])
        return (torch.exp(-2 * s) * per_head).sum() + s.sum()


def mtl_fixture():
    dims, hidden, outputs, B = [3, 4, 2], 5, 2, 6
    init = [0.1, -0.2, 0.3]
    names = ['audio', 'vision', 'text']
    base = {'mse': nn.functional.mse_loss, 'bce': nn.functional.binary_cross_entropy_with_logits}
    xs = [torch.randn(B, d) for d in dims]
    model0 = Mtl(dims, hidden, outputs, init)
    state = model0.state_dict()
    tensors = {f'mtl.{n}': p for n, p in state.items()}
    for name, x in zip(names, xs):
        tensors[f'input.{name}'] = x
    targets = {'mse': torch.rand(B, outputs), 'bce': (torch.rand(B, outputs) > 0.5).float()}
    expected = {'dims': dims, 'hidden': hidden, 'outputs': outputs, 'batch': B, 'initLogStd': init, 'names': names, 'cases': {}}
    for kind in ['mse', 'bce']:
        model = Mtl(dims, hidden, outputs, init)
        model.load_state_dict(state)
        fused, preds = model(xs)
        loss = model.loss(preds, targets[kind], base[kind])
        loss.backward()
        w = torch.exp(-2 * model.log_std.detach())
        tensors[f'target.{kind}'] = targets[kind]
        expected['cases'][kind] = {
            'prediction': tolist(fused), 'heads': [tolist(p) for p in preds], 'loss': loss.item(),
            'weights': tolist(w / w.sum()),
            'grads': {f'mtl.{n}': tolist(p.grad) for n, p in model.named_parameters()},
        }
    # Gradient through the fused prediction itself (an MTL layer that feeds something else).
    model = Mtl(dims, hidden, outputs, init)
    model.load_state_dict(state)
    d_out = torch.randn(B, outputs)
    fused, _ = model(xs)
    (fused * d_out).sum().backward()
    tensors['input.dOut'] = d_out
    expected['fusedGrads'] = {f'mtl.{n}': tolist(p.grad) for n, p in model.named_parameters()}
    write_safetensors(os.path.join(OUT, 'mtl.safetensors'), tensors)
    write_json(os.path.join(OUT, 'mtl.json'), expected)


# ---------------------------------------------------------------------------------------------------------
# 4. The base losses and their gradients w.r.t. the prediction.
def pearson_loss(x, y):
    xc = x - x.mean(0, keepdim=True)
    yc = y - y.mean(0, keepdim=True)
    r = (xc * yc).sum(0) / torch.sqrt((xc ** 2).sum(0) * (yc ** 2).sum(0) + 1e-12)
    return 1 - r.mean()


def ccc_loss(x, y):
    mx, my = x.mean(0), y.mean(0)
    vx = ((x - mx) ** 2).mean(0)
    vy = ((y - my) ** 2).mean(0)
    cov = ((x - mx) * (y - my)).mean(0)
    return 1 - (2 * cov / (vx + vy + (mx - my) ** 2)).mean()


def losses_fixture():
    B, C = 8, 3
    pred = torch.randn(B, C)
    target = torch.rand(B, C)
    labels = (torch.rand(B, C) > 0.5).float()
    fns = {
        'mse': (nn.functional.mse_loss, target),
        'bce': (nn.functional.binary_cross_entropy_with_logits, labels),
        'pearson': (pearson_loss, target),
        'ccc': (ccc_loss, target),
    }
    out = {'batch': B, 'outputs': C, 'pred': tolist(pred), 'target': tolist(target), 'labels': tolist(labels), 'cases': {}}
    for kind, (fn, y) in fns.items():
        p = pred.clone().requires_grad_(True)
        loss = fn(p, y)
        loss.backward()
        out['cases'][kind] = {'loss': loss.item(), 'grad': tolist(p.grad), 'target': 'labels' if kind == 'bce' else 'target'}
    write_json(os.path.join(OUT, 'losses.json'), out)


# ---------------------------------------------------------------------------------------------------------
# 5. Metrics against scipy / scikit-learn; smoothing against scipy.ndimage.
def metrics_fixture():
    rng = np.random.default_rng(7)
    x = rng.normal(size=50)
    y = 0.6 * x + rng.normal(size=50)
    pearson_cases = [
        {'x': x.tolist(), 'y': y.tolist(), 'r': float(scipy.stats.pearsonr(x, y)[0])},
        {'x': [1.0, 2.0, 4.0], 'y': [3.0, 1.0, 0.5], 'r': float(scipy.stats.pearsonr([1.0, 2.0, 4.0], [3.0, 1.0, 0.5])[0])},
        {'x': [1.0, 3.0], 'y': [5.0, 2.0], 'r': float(scipy.stats.pearsonr([1.0, 3.0], [5.0, 2.0])[0])},
    ]
    with np.errstate(all='ignore'):
        import warnings
        with warnings.catch_warnings():
            warnings.simplefilter('ignore')
            const_r = scipy.stats.pearsonr([2.0, 2.0, 2.0], [1.0, 2.0, 3.0])[0]
    pearson_cases.append({'x': [2.0, 2.0, 2.0], 'y': [1.0, 2.0, 3.0], 'r': None if np.isnan(const_r) else float(const_r)})

    pred6 = rng.random((40, 6))
    true6 = 0.5 * pred6 + 0.5 * rng.random((40, 6))
    mean_r = float(np.mean([scipy.stats.pearsonr(pred6[:, j], true6[:, j])[0] for j in range(6)]))

    y_true = (rng.random(300) < 0.23).astype(int)
    probs = np.clip(0.35 * y_true + rng.random(300) * 0.7, 0, 1)
    probs = np.round(probs, 2)  # ties in the scores, to exercise AP's handling of equal scores
    y_pred = (probs >= 0.5).astype(int)
    y3_true = rng.integers(0, 3, 120)
    y3_pred = np.where(rng.random(120) < 0.6, y3_true, rng.integers(0, 3, 120))
    y3_pred[y3_pred == 2] = np.where(rng.random((y3_pred == 2).sum()) < 0.5, 2, 3)  # label 3 only predicted
    all_zero = np.zeros(300, dtype=int)
    classification = {
        'binary': {
            'yTrue': y_true.tolist(), 'yPred': y_pred.tolist(),
            'weighted': sklearn.metrics.f1_score(y_true, y_pred, average='weighted', zero_division=0),
            'macro': sklearn.metrics.f1_score(y_true, y_pred, average='macro', zero_division=0),
            'binary': sklearn.metrics.f1_score(y_true, y_pred, average='binary', zero_division=0),
            'accuracy': sklearn.metrics.accuracy_score(y_true, y_pred),
        },
        'allZeros': {
            'yTrue': y_true.tolist(), 'yPred': all_zero.tolist(),
            'weighted': sklearn.metrics.f1_score(y_true, all_zero, average='weighted', zero_division=0),
            'macro': sklearn.metrics.f1_score(y_true, all_zero, average='macro', zero_division=0),
            'binary': sklearn.metrics.f1_score(y_true, all_zero, average='binary', zero_division=0),
            'accuracy': sklearn.metrics.accuracy_score(y_true, all_zero),
        },
        'multiclass': {
            'yTrue': y3_true.tolist(), 'yPred': y3_pred.tolist(),
            'weighted': sklearn.metrics.f1_score(y3_true, y3_pred, average='weighted', zero_division=0),
            'macro': sklearn.metrics.f1_score(y3_true, y3_pred, average='macro', zero_division=0),
            'accuracy': sklearn.metrics.accuracy_score(y3_true, y3_pred),
        },
    }
    ap = {'yTrue': y_true.tolist(), 'scores': probs.tolist(), 'ap': sklearn.metrics.average_precision_score(y_true, probs)}

    # The authors' threshold sweep: 0.40 … 0.75 by 0.001, weighted F1, first best wins.
    best_t, best_s = None, -1.0
    for k in range(351):
        t = round(0.40 + k * 0.001, 9)
        s = sklearn.metrics.f1_score(y_true, (probs >= t).astype(int), average='weighted', zero_division=0)
        if s > best_s:
            best_t, best_s = t, s
    sweep = {'threshold': best_t, 'score': best_s}

    signal = rng.random(200)
    short = rng.random(10)
    smoothing = {
        'signal': signal.tolist(), 'short': short.tolist(),
        'uniform': {str(w): scipy.ndimage.uniform_filter1d(signal, size=w, mode='reflect').tolist() for w in [1, 4, 5, 60]},
        'uniformShort': {str(w): scipy.ndimage.uniform_filter1d(short, size=w, mode='reflect').tolist() for w in [4, 25]},
        'gaussian': {str(s): scipy.ndimage.gaussian_filter1d(signal, sigma=s, mode='reflect', truncate=4.0).tolist() for s in [1.0, 3.8]},
        'gaussianShort': {str(s): scipy.ndimage.gaussian_filter1d(short, sigma=s, mode='reflect', truncate=4.0).tolist() for s in [3.8]},
    }
    write_json(os.path.join(OUT, 'metrics.json'), {
        'pearson': pearson_cases,
        'meanPearson': {'pred': pred6.reshape(-1).tolist(), 'true': true6.reshape(-1).tolist(), 'columns': 6, 'mean': mean_r},
        'classification': classification, 'averagePrecision': ap, 'sweep': sweep, 'smoothing': smoothing,
    })


# ---------------------------------------------------------------------------------------------------------
# 6. Reading other dtypes.
def dtypes_fixture():
    values = torch.tensor([[0.0, 1.5, -2.25], [3.140625, 1e-3, -65504.0]])
    write_safetensors(
        os.path.join(OUT, 'dtypes.safetensors'),
        {'f16': values, 'bf16': values, 'f64': values.double(), 'f32': values},
        dtypes={'f16': 'F16', 'bf16': 'BF16', 'f64': 'F64', 'f32': 'F32'},
        metadata={'note': 'dtype test'},
    )
    write_json(os.path.join(OUT, 'dtypes.json'), {
        'shape': list(values.shape),
        'f16': tolist(values.half().float()), 'bf16': tolist(values.bfloat16().float()),
        'f64': tolist(values.double().float()), 'f32': tolist(values),
    })


if __name__ == '__main__':
    os.makedirs(OUT, exist_ok=True)
    lstm_fixture()
    emi_fixture()
    schedule_fixture()
    mtl_fixture()
    losses_fixture()
    metrics_fixture()
    dtypes_fixture()
    total = sum(os.path.getsize(os.path.join(OUT, f)) for f in os.listdir(OUT))
    print(f'wrote {len(os.listdir(OUT))} files to {os.path.normpath(OUT)} ({total / 1024:.1f} KiB)')
