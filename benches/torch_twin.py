"""The default preset's network and training step written in PyTorch, for a side-by-side
throughput figure (`cargo bench --bench throughput` runs it when MOVIEREC_TORCH_PYTHON names a
Python with torch). Not part of the product: it trains on the same data with the same shapes
(batch 32 histories x up to 32 targets, two length groups padded apart, the movie tower on the
batch's distinct movies, whole-history bags, rank head softmax, weight average every step) and
prints target ratings per second. Token ids are random with the encoder's vocabulary size and
token count: the cost depends on the shapes, not on which words a title has.

usage: torch_twin.py U1_BASE --vocab V --movies M [--threads 2] [--epochs 1] [--seed 1]
"""

import argparse
import json
import math
import random
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

TOKENS, TOKEN_DIM, MOVIE_FILTERS, MOVIE_DIM = 24, 32, 64, 64
USER_FILTERS, HIDDEN, RANK_DIM, WINDOW = (64, 128, 256), 128, 48, 32
BATCH, TARGETS, SHORT_MAX = 32, 32, 20
NEWCOMER_PROB, SHORT_PROB, RANK_WEIGHT, AVERAGE = 0.1, 0.25, 0.3, 0.99


class Twin(nn.Module):
    def __init__(self, vocab, n_movies):
        super().__init__()
        self.tokens = nn.Embedding(vocab, TOKEN_DIM)
        self.movie_conv = nn.Conv1d(TOKEN_DIM, MOVIE_FILTERS, 3, padding=1)
        self.movie_out = nn.Linear(MOVIE_FILTERS + TOKEN_DIM, MOVIE_DIM)
        chans = [2 * MOVIE_DIM + 1, *USER_FILTERS]
        self.user_convs = nn.ModuleList(
            nn.Conv1d(a, b, 3, padding=1) for a, b in zip(chans, chans[1:])
        )
        user_dim = 2 * USER_FILTERS[-1]
        self.head_user = nn.Linear(user_dim, HIDDEN)
        self.head_movie = nn.Linear(MOVIE_DIM, HIDDEN, bias=False)
        self.head_out = nn.Linear(HIDDEN, 1)
        self.interaction = nn.Linear(user_dim, MOVIE_DIM, bias=False)
        self.movie_bias = nn.Linear(MOVIE_DIM, 1)
        self.user_bias = nn.Parameter(torch.tensor([2.0, 0.0, 15.0]))
        self.gate = nn.Parameter(torch.tensor([2.0]))
        self.rank_user = nn.Linear(user_dim, RANK_DIM)
        self.rated_bag = nn.Linear(RANK_DIM, RANK_DIM, bias=False)
        self.rating_bag = nn.Linear(RANK_DIM, RANK_DIM, bias=False)
        self.rank_movies = nn.Parameter(torch.randn(n_movies, RANK_DIM) * 0.1)
        self.rank_bias = nn.Parameter(torch.zeros(n_movies))
        self.factor_rated = nn.Linear(RANK_DIM, MOVIE_DIM, bias=False)
        self.factor_rating = nn.Linear(RANK_DIM, MOVIE_DIM, bias=False)

    def movie_table(self, tokens):
        e = self.tokens(tokens)  # [M, L, E]
        conv = F.relu(self.movie_conv(e.transpose(1, 2))).amax(2)
        vectors = self.movie_out(torch.cat([conv, e[:, 0]], 1))
        return vectors, self.head_movie(vectors), self.movie_bias(vectors).squeeze(1)

    def gate_of(self, n):
        return n / (n + F.softplus(self.gate))

    def encode(self, table, rows, window, ratings, mask, bag_rated, bag_rating, count):
        vectors, _, movie_bias = table
        items = vectors[window]  # [B, H, D]
        r = ratings.unsqueeze(2)
        m = mask.unsqueeze(2)
        x = torch.cat([items, items * r, r], 2) * m
        x = x.transpose(1, 2)
        for conv in self.user_convs:
            x = F.relu(conv(x)) * m.transpose(1, 2)
        n = mask.sum(1, keepdim=True)
        pooled = torch.cat([x.sum(2) / n.clamp(min=1), x.amax(2)], 1) * self.gate_of(n)
        # Bias path over the whole history (from the bag rows, scaled by 1/sqrt(n)).
        a, c, lam = self.user_bias[0], self.user_bias[1], F.softplus(self.user_bias[2])
        root = count.sqrt()
        dev = (bag_rating.sum(1, keepdim=True) * a - bag_rated @ movie_bias.unsqueeze(1)) * root
        user_bias = (dev + count * c) / (count + lam)
        movies = self.rank_movies[rows]
        sums = [bag_rated @ movies, bag_rating @ movies]
        win = movies[window] * (mask / count.clamp(min=1).sqrt()).unsqueeze(2)
        older = [sums[0] - win.sum(1), sums[1] - (win * r).sum(1)]
        factors = (self.factor_rated(older[0]) + self.factor_rating(older[1])) * self.gate_of(count)
        return pooled, user_bias, sums, factors

    def forward(self, table, users, targets):
        vectors, hidden, movie_bias = table
        pooled, user_bias, _, factors = users
        h = F.relu(self.head_user(pooled).unsqueeze(1) + hidden[targets])
        out = self.head_out(h).squeeze(2)
        inter = (self.interaction(pooled) + factors).unsqueeze(1)
        return out + (inter * vectors[targets]).sum(2) + movie_bias[targets] + user_bias

    def rank_logits(self, users):
        pooled, _, sums, _ = users
        u = self.rank_user(pooled) + self.rated_bag(sums[0]) + self.rating_bag(sums[1])
        return u @ self.rank_movies.t() + self.rank_bias


def examples(by_user, rng):
    out = []
    for hist in by_user.values():
        if len(hist) < 2:
            continue
        order = list(range(len(hist)))
        rng.shuffle(order)
        for k in range(0, len(order), TARGETS):
            group = order[k : k + TARGETS]
            if len(group) == len(hist):
                group = group[:-1]
            chosen = set(group)
            context = [i for i in range(len(hist)) if i not in chosen]
            if rng.random() < NEWCOMER_PROB:
                x = rng.uniform(0, math.log(SHORT_MAX + 1))
                context = context[: max(1, min(SHORT_MAX, int(math.exp(x))))]
            elif rng.random() < SHORT_PROB:
                context = sorted(rng.sample(context, min(len(context), rng.randint(1, SHORT_MAX))))
            out.append(([hist[i] for i in context], [hist[i] for i in group]))
    rng.shuffle(out)
    return out


def cheapest_split(lengths):
    longest = lengths[-1]
    return min(range(1, len(lengths) + 1), key=lambda k: k * lengths[k - 1] + (len(lengths) - k) * longest)


def step_tensors(batch, n_movies, mean):
    """The batch catalog (distinct movies), windows, bags and targets in its rows."""
    local, rows = {}, []

    def row(m):
        if m not in local:
            local[m] = len(rows)
            rows.append(m)
        return local[m]

    groups = []
    for context, _ in batch:
        for m, _ in context:
            row(m)
    for _, targets in batch:
        for m, _ in targets:
            row(m)
    lengths = [min(WINDOW, len(c)) for c, _ in batch]
    split = cheapest_split(lengths)
    for part in (batch[:split], batch[split:]):
        if not part:
            continue
        h = max(min(WINDOW, len(c)) for c, _ in part)
        window = torch.zeros(len(part), h, dtype=torch.long)
        ratings = torch.zeros(len(part), h)
        mask = torch.zeros(len(part), h)
        rated = torch.zeros(len(part), len(rows))
        rating = torch.zeros(len(part), len(rows))
        count = torch.zeros(len(part), 1)
        for i, (context, _) in enumerate(part):
            recent = context[-WINDOW:]
            for j, (m, r) in enumerate(recent):
                window[i, j], ratings[i, j], mask[i, j] = local[m], r / 5.0, 1.0
            scale = 1.0 / math.sqrt(len(context))
            for m, r in context:
                rated[i, local[m]] = scale
                rating[i, local[m]] = (r - mean) * scale
            count[i, 0] = len(context)
        groups.append((window, ratings, mask, rated, rating, count))
    t = max(len(ts) for _, ts in batch)
    targets = torch.zeros(len(batch), t, dtype=torch.long)
    catalog_targets = torch.zeros(len(batch), t, dtype=torch.long)
    truth = torch.zeros(len(batch), t)
    weight = torch.zeros(len(batch), t)
    seen = torch.zeros(len(batch), n_movies)
    for i, (context, ts) in enumerate(batch):
        for m, _ in context:
            seen[i, m] = -1e4
        for j, (m, r) in enumerate(ts):
            targets[i, j], catalog_targets[i, j] = local[m], m
            truth[i, j], weight[i, j] = r - mean, 1.0
    return torch.tensor(rows), groups, targets, catalog_targets, truth, weight, seen


def main():
    p = argparse.ArgumentParser()
    p.add_argument("base")
    p.add_argument("--vocab", type=int, required=True)
    p.add_argument("--movies", type=int, required=True)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--epochs", type=int, default=1)
    p.add_argument("--seed", type=int, default=1)
    args = p.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    rng = random.Random(args.seed)
    by_user = {}
    for line in open(args.base):
        u, m, r, t = map(int, line.split("\t"))
        by_user.setdefault(u, []).append((t, m - 1, float(r)))
    n_movies = args.movies
    by_user = {u: [(m, r) for _, m, r in sorted(h)] for u, h in by_user.items()}
    mean = sum(r for h in by_user.values() for _, r in h) / sum(len(h) for h in by_user.values())
    tokens = torch.randint(0, args.vocab, (n_movies, TOKENS))
    model = Twin(args.vocab, n_movies)
    average = torch.optim.swa_utils.AveragedModel(
        model, multi_avg_fn=torch.optim.swa_utils.get_ema_multi_avg_fn(AVERAGE)
    )
    opt = torch.optim.Adam(model.parameters(), lr=3e-3)
    n_params = sum(p.numel() for p in model.parameters())
    for epoch in range(args.epochs):
        ex = examples(by_user, rng)
        started, n, preparing = time.perf_counter(), 0, 0.0
        for k in range(0, len(ex), BATCH):
            batch = sorted(ex[k : k + BATCH], key=lambda e: len(e[0]))
            prepared = time.perf_counter()
            rows, groups, targets, cat_targets, truth, weight, seen = step_tensors(batch, n_movies, mean)
            preparing += time.perf_counter() - prepared
            table = model.movie_table(tokens[rows])
            parts = [model.encode(table, rows, *g) for g in groups]
            users = (
                torch.cat([p[0] for p in parts]),
                torch.cat([p[1] for p in parts]),
                [torch.cat([p[2][i] for p in parts]) for i in range(2)],
                torch.cat([p[3] for p in parts]),
            )
            mse = (((model(table, users, targets) - truth) ** 2) * weight).sum() / weight.sum()
            log_p = F.log_softmax(model.rank_logits(users) + seen, 1)
            rank = -(log_p.gather(1, cat_targets) * weight).sum() / weight.sum()
            loss = mse + RANK_WEIGHT * rank
            opt.zero_grad()
            loss.backward()
            opt.step()
            average.update_parameters(model)
            n += int(weight.sum())
        seconds = time.perf_counter() - started
        steps = seconds - preparing
        print(
            f"   torch {torch.__version__}: {n / seconds:>8.0f} samples/s ({n} targets, {seconds:.1f}s "
            f"for the epoch; {n / steps:.0f}/s without the {preparing:.1f}s of Python batch building; "
            f"{n_params} parameters, {args.threads} threads)"
        )
        # For the bench, which puts the ratio of each round beside the line above.
        print(json.dumps({"samples_per_second": n / seconds, "step_samples_per_second": n / steps}))


if __name__ == "__main__":
    main()
