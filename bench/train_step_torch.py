#!/usr/bin/env python3
"""PyTorch reference for bench/train-step.ts: one training step (forward + backward + clip_grad_value_ +
AdamW) of LSTM(input→units, 2 layers) read at each sample's last step → Linear → Tanh → Linear, MSE.

    /usr/bin/python3 bench/train_step_torch.py [--shape full|small|all] [--threads 2] [--out FILE]
"""
import argparse
import json
import os
import platform
import statistics
import sys
import time

# torch runs its own intra-op threads (set_num_threads below). Debian's torch calls OpenBLAS, whose own
# thread pool then oversubscribes the cores: with both at 2 threads a step was ~30x slower here.
os.environ.setdefault('OPENBLAS_NUM_THREADS', '1')

import torch  # noqa: E402
import torch.nn as nn

SHAPES = [
    dict(name='full', batch=32, steps=400, input=1280, units=768, layers=2, hidden=768, outputs=6, timedSteps=5, warmupSteps=1),
    dict(name='small', batch=32, steps=100, input=256, units=128, layers=2, hidden=128, outputs=6, timedSteps=20, warmupSteps=2),
]


class Branch(nn.Module):
    def __init__(self, s):
        super().__init__()
        self.vision = nn.LSTM(s['input'], s['units'], num_layers=s['layers'], batch_first=True)
        self.head = nn.Sequential(nn.Linear(s['units'], s['hidden']), nn.Tanh(), nn.Linear(s['hidden'], s['outputs']))

    def forward(self, x, lengths):
        out, _ = self.vision(x)
        return self.head(out[torch.arange(x.shape[0]), lengths - 1])


def time_shape(s):
    torch.manual_seed(3407)
    model = Branch(s)
    opt = torch.optim.AdamW(model.parameters(), lr=1e-4, weight_decay=0.01)
    x = torch.rand(s['batch'], s['steps'], s['input']) * 2 - 1
    lengths = torch.full((s['batch'],), s['steps'], dtype=torch.long)
    y = torch.rand(s['batch'], s['outputs'])
    times = []
    for i in range(s['warmupSteps'] + s['timedSteps']):
        start = time.perf_counter()
        opt.zero_grad()
        loss = nn.functional.mse_loss(model(x, lengths), y)
        loss.backward()
        torch.nn.utils.clip_grad_value_(model.parameters(), 100)
        opt.step()
        ms = (time.perf_counter() - start) * 1000
        if i >= s['warmupSteps']:
            times.append(ms)
        print(f"{s['name']} step {i}{' (warm-up)' if i < s['warmupSteps'] else ''}: {ms:.0f} ms, loss {loss.item():.5f}", file=sys.stderr)
    return dict(shape=s, medianMs=statistics.median(times), minMs=min(times), timesMs=times)


def main():
    p = argparse.ArgumentParser()
    p.add_argument('--shape', default='all')
    p.add_argument('--threads', type=int, default=2)
    p.add_argument('--out')
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    shapes = [s for s in SHAPES if a.shape in ('all', s['name'])]
    results = [time_shape(s) for s in shapes]
    summary = dict(tool='PyTorch', torch=torch.__version__, threads=torch.get_num_threads(),
                   openblasThreads=os.environ.get('OPENBLAS_NUM_THREADS'), python=platform.python_version(),
                   cpu=platform.processor() or platform.machine(), cores=os.cpu_count(), results=results)
    out = a.out or ('bench/results/train-step-torch.json' if a.shape == 'all' else None)
    if out:
        os.makedirs(os.path.dirname(out), exist_ok=True)
        with open(out + '.tmp', 'w') as f:
            json.dump(summary, f, indent=2)
            f.write('\n')
        os.replace(out + '.tmp', out)
        print(f'wrote {out}', file=sys.stderr)
    print(json.dumps([dict(shape=r['shape']['name'], medianMs=round(r['medianMs'])) for r in results]))


if __name__ == '__main__':
    main()
