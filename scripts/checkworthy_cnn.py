"""Train the convolutional half of the check-worthiness model (served by ``claims/cnn.py``).

Used by ``train_checkworthy.py --teacher``: the CNN is fitted on the same rows and targets as
the logistic regression (gold labels and the teacher's soft labels), with binary cross-entropy
against those targets. Embeddings start from the static all-MiniLM-L6-v2 wordpiece vectors,
reduced to 64 dimensions by PCA and standardised. Needs torch (training only). Fitted weights
are cached in the work directory, keyed by a hash of everything that determines them.
"""

from __future__ import annotations

import os
import random
import time
from pathlib import Path

from checkworthy_teacher import digest

from services.extract.claims.cnn import PAD, UNK, CnnScorer, piece_ids, window_mask

DIM = 64
FILTERS = 96
WIDTHS = (1, 2, 3)
DROPOUT = 0.25
EPOCHS = 3
BATCH = 128
LR = 1e-3
FORMAT = "newswire-checkworthy-cnn-1"


def vocabulary(static) -> list[str]:
    """[PAD], then the static vectors' pieces (the first of which is [UNK])."""
    pieces = ["[PAD]", *list(static.names)]
    assert pieces[PAD] == "[PAD]" and pieces[UNK] == "[UNK]", pieces[:3]
    return pieces


def initial_embeddings(static):
    """PCA of the static piece vectors to DIM dimensions, standardised; [PAD] is zero."""
    import numpy as np

    v = static.vectors - static.vectors.mean(axis=0)
    _, _, vt = np.linalg.svd(v, full_matrices=False)
    e = v @ vt[:DIM].T
    e /= e.std(axis=0)
    return np.vstack([np.zeros((1, DIM)), e]).astype(np.float32)


def fit_cnn(texts: list[str], targets: list[float], static, seed: int, work: Path) -> CnnScorer:
    """CNN fitted on ``texts`` against ``targets`` (probabilities); cached as an npz in ``work``."""
    key = digest(FORMAT, texts, [round(float(t), 4) for t in targets], seed,
                  DIM, FILTERS, WIDTHS, DROPOUT, EPOCHS, BATCH, LR)
    path = work / f"cnn-{key}.npz"
    if not path.exists():
        import numpy as np

        work.mkdir(parents=True, exist_ok=True)
        arrays, probe = _train(texts, targets, static, seed)
        tmp = path.with_suffix(".tmp.npz")
        np.savez_compressed(tmp, **arrays)
        os.replace(tmp, path)
        scorer = CnnScorer(path)
        got = scorer.logits(texts[: len(probe)])
        print(f"    numpy vs torch CNN logit: max |diff| {np.abs(np.array(got) - probe).max():.1e} "
              "(embeddings stored as float16)", flush=True)
        return scorer
    return CnnScorer(path)


def _train(texts, targets, static, seed) -> tuple[dict, object]:
    import numpy as np
    import torch

    torch.manual_seed(seed)
    torch.set_num_threads(os.cpu_count() or 1)
    pieces = vocabulary(static)
    index = {p: i for i, p in enumerate(pieces)}
    cache: dict[str, list[int]] = {}
    seqs = [piece_ids(t, index, cache) or [UNK] for t in texts]
    y = torch.tensor([float(t) for t in targets])

    class Net(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.emb = torch.nn.Embedding.from_pretrained(
                torch.from_numpy(initial_embeddings(static)), freeze=False, padding_idx=PAD)
            self.convs = torch.nn.ModuleList(torch.nn.Conv1d(DIM, FILTERS, k) for k in WIDTHS)
            self.drop = torch.nn.Dropout(DROPOUT)
            self.out = torch.nn.Linear(FILTERS * len(WIDTHS), 1)

        def forward(self, ids, lengths):
            x = self.emb(ids).transpose(1, 2)
            pooled = []
            for k, conv in zip(WIDTHS, self.convs):
                h = torch.relu(conv(x))
                mask = torch.from_numpy(window_mask(lengths, k, h.shape[2]))
                pooled.append((h * mask[:, None, :]).max(dim=2).values)
            return self.out(self.drop(torch.cat(pooled, 1))).squeeze(1)

    net = Net()

    def batch(idx):
        lengths = np.array([len(seqs[i]) for i in idx])
        n = max(int(lengths.max()), max(WIDTHS))
        ids = np.zeros((len(idx), n), dtype=np.int64)
        for r, i in enumerate(idx):
            ids[r, : len(seqs[i])] = seqs[i]
        return torch.from_numpy(ids), lengths

    rng = random.Random(seed)
    steps = EPOCHS * ((len(seqs) + BATCH - 1) // BATCH)
    opt = torch.optim.Adam(net.parameters(), lr=LR)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: max(0.0, 1 - s / steps))
    loss_fn = torch.nn.BCEWithLogitsLoss()
    t0 = time.perf_counter()
    net.train()
    for epoch in range(EPOCHS):
        order = list(range(len(seqs)))
        rng.shuffle(order)
        # batches of similar length (less padding), in random order
        chunks = [sorted(order[i : i + BATCH * 50], key=lambda j: len(seqs[j]))
                  for i in range(0, len(order), BATCH * 50)]
        batches = [c[i : i + BATCH] for c in chunks for i in range(0, len(c), BATCH)]
        rng.shuffle(batches)
        for b in batches:
            ids, lengths = batch(b)
            loss = loss_fn(net(ids, lengths), y[b])
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
        print(f"    cnn epoch {epoch + 1}/{EPOCHS} on {len(seqs)} sentences "
              f"({time.perf_counter() - t0:.0f} s)", flush=True)
    net.eval()
    with torch.inference_mode():
        probe = net(*batch(list(range(min(200, len(seqs)))))).numpy()
    f = lambda t: t.detach().numpy().astype(np.float32)  # noqa: E731
    arrays = {"format": np.array(FORMAT), "pieces": np.array(pieces),
              "emb": f(net.emb.weight).astype(np.float16), "widths": np.array(WIDTHS),
              "out_w": f(net.out.weight)[0], "out_b": np.array(float(net.out.bias.detach()[0]))}
    for k, conv in zip(WIDTHS, net.convs):
        arrays[f"conv{k}_w"] = f(conv.weight).transpose(2, 1, 0)  # (width, dim, filters)
        arrays[f"conv{k}_b"] = f(conv.bias)
    return arrays, probe
