"""The Tiny Recursive Model (Jolicoeur-Martineau 2025, "Less is More: Recursive Reasoning
with Tiny Networks"), the whole network in one file.

One small block stack `net` is applied over and over. Per supervision step:

    x = embed(tokens)
    T-1 times, without gradient:  n times z = net(z + y + x);  y = net(y + z)
    once, with gradient:          n times z = net(z + y + x);  y = net(y + z)
    logits = head(y);  q_halt = q_head(y[:, 0])

y (the answer) and z (the latent reasoning) start from fixed random vectors and are carried,
detached, into the next supervision step. With T=3, n=6 one step is 42 layer applications.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import asdict, dataclass, fields
from typing import Literal

import torch
import torch.nn.functional as F
from torch import nn

PosEncoding = Literal["rope", "learned", "none"]


@dataclass
class TRMConfig:
    vocab_size: int = 11
    seq_len: int = 81  # task tokens, without the puzzle-embedding prefix
    hidden: int = 512
    heads: int = 8
    expansion: float = 4.0
    # the SwiGLU inner width is rounded up to a multiple of this: the paper's 256 suits a
    # GPU, but makes hidden 64 as costly as hidden 96; a small CPU network may take 32
    mlp_multiple: int = 256
    layers: int = 2
    H_cycles: int = 3  # T
    L_cycles: int = 6  # n
    halt_max_steps: int = 16  # N_sup
    mlp_t: bool = False  # token-mixing MLP across the sequence instead of attention
    conv: int = 0  # > 0: a depthwise conv x conv convolution over the grid mixes tokens
    grid_width: int = 0  # the token grid's width for conv (0: a square grid)
    pos_encoding: PosEncoding = "rope"
    rope_theta: float = 10_000.0
    puzzle_emb_len: int = 0  # prefix positions (the paper uses 16); 0 = no puzzle embedding
    num_puzzle_ids: int = 1  # one shared vector for Sudoku/maze; one per task view for ARC
    rms_eps: float = 1e-5

    def __post_init__(self) -> None:
        if self.pos_encoding not in ("rope", "learned", "none"):
            raise ValueError(f"pos_encoding must be rope, learned or none: {self.pos_encoding!r}")
        if self.conv:
            if self.mlp_t:
                raise ValueError("conv and mlp_t are two token mixers: choose one")
            if self.conv % 2 == 0:
                raise ValueError(f"conv kernel must be odd, got {self.conv}")
            if self.seq_len % self.width:
                raise ValueError(
                    f"conv needs a grid: seq_len {self.seq_len} is not a multiple of width "
                    f"{self.width} (set grid_width)"
                )
        elif not self.mlp_t and self.hidden % self.heads:
            raise ValueError(f"hidden {self.hidden} is not divisible by heads {self.heads}")
        for name in (
            "hidden",
            "layers",
            "H_cycles",
            "L_cycles",
            "halt_max_steps",
            "seq_len",
            "mlp_multiple",
        ):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be >= 1, got {getattr(self, name)}")

    @property
    def width(self) -> int:
        """The token grid's width, as the conv mixer reads the sequence."""
        return self.grid_width or math.isqrt(self.seq_len)

    @property
    def total_len(self) -> int:
        return self.seq_len + self.puzzle_emb_len

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> TRMConfig:
        known = {f.name for f in fields(cls)}
        unknown = set(d) - known
        if unknown:
            raise ValueError(f"unknown TRMConfig fields: {sorted(unknown)}")
        return cls(**d)

    @classmethod
    def preset(cls, name: str, **overrides) -> TRMConfig:
        from .presets import PRESETS

        if name not in PRESETS:
            raise KeyError(f"no preset {name!r}; known: {', '.join(sorted(PRESETS))}")
        return cls(**{**PRESETS[name].model, **overrides})


def rms_norm(x: torch.Tensor, eps: float) -> torch.Tensor:
    """RMSNorm without a learned scale, as in the paper; computed in fp32."""
    dtype = x.dtype
    x = x.float()
    return (x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + eps)).to(dtype)


def _trunc_normal_(w: torch.Tensor, std: float) -> torch.Tensor:
    return nn.init.trunc_normal_(w, std=std, a=-2 * std, b=2 * std)


class Linear(nn.Linear):
    """Bias-free linear layer with truncated-normal LeCun initialisation."""

    def __init__(self, d_in: int, d_out: int, bias: bool = False):
        super().__init__(d_in, d_out, bias=bias)
        _trunc_normal_(self.weight, 1.0 / math.sqrt(d_in))
        if bias:
            nn.init.zeros_(self.bias)


def _swiglu_width(d: int, expansion: float, multiple: int = 256) -> int:
    # 2/3 keeps the parameter count of a plain MLP; rounded up to `multiple`.
    inner = round(expansion * d * 2 / 3)
    return -(-inner // multiple) * multiple


class SwiGLU(nn.Module):
    def __init__(self, d: int, expansion: float, multiple: int = 256):
        super().__init__()
        inner = _swiglu_width(d, expansion, multiple)
        self.gate_up = Linear(d, 2 * inner)
        self.down = Linear(inner, d)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        gate, up = self.gate_up(x).chunk(2, dim=-1)
        return self.down(F.silu(gate) * up)


class Rotary(nn.Module):
    cos: torch.Tensor  # buffers
    sin: torch.Tensor

    def __init__(self, head_dim: int, length: int, theta: float):
        super().__init__()
        inv = 1.0 / theta ** (torch.arange(0, head_dim, 2, dtype=torch.float32) / head_dim)
        angles = torch.outer(torch.arange(length, dtype=torch.float32), inv)
        angles = torch.cat([angles, angles], dim=-1)
        self.register_buffer("cos", angles.cos(), persistent=False)
        self.register_buffer("sin", angles.sin(), persistent=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:  # x: (B, heads, L, head_dim)
        half = x.shape[-1] // 2
        rotated = torch.cat([-x[..., half:], x[..., :half]], dim=-1)
        return x * self.cos.to(x.dtype) + rotated * self.sin.to(x.dtype)


class Attention(nn.Module):
    """Non-causal multi-head self-attention: every cell sees every cell."""

    def __init__(self, cfg: TRMConfig):
        super().__init__()
        self.heads = cfg.heads
        self.qkv = Linear(cfg.hidden, 3 * cfg.hidden)
        self.out = Linear(cfg.hidden, cfg.hidden)
        head_dim = cfg.hidden // cfg.heads
        self.rotary = (
            Rotary(head_dim, cfg.total_len, cfg.rope_theta) if cfg.pos_encoding == "rope" else None
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        B, L, D = x.shape
        q, k, v = self.qkv(x).view(B, L, 3, self.heads, D // self.heads).permute(2, 0, 3, 1, 4)
        if self.rotary is not None:
            q, k = self.rotary(q), self.rotary(k)
        y = F.scaled_dot_product_attention(q, k, v, is_causal=False)
        return self.out(y.transpose(1, 2).reshape(B, L, D))


class GridConv(nn.Module):
    """Depthwise convolution over the grid tokens: each cell hears only its neighbours, so
    information moves one kernel radius per application. Not in the paper: on CPU it lets a
    maze be solved by a local rule iterated by the recursion (dead ends fill in from their
    tips) instead of learning 2D adjacency from flattened positions. Prefix tokens (puzzle
    embedding) are left unmixed."""

    def __init__(self, cfg: TRMConfig):
        super().__init__()
        self.prefix = cfg.puzzle_emb_len
        self.width = cfg.width
        k = cfg.conv
        self.conv = nn.Conv2d(
            cfg.hidden, cfg.hidden, k, padding=k // 2, groups=cfg.hidden, bias=False
        )
        _trunc_normal_(self.conv.weight, 1.0 / k)

    def forward(self, h: torch.Tensor) -> torch.Tensor:
        B, L, D = h.shape
        grid = h[:, self.prefix :].transpose(1, 2).reshape(B, D, -1, self.width)
        mixed = self.conv(grid).reshape(B, D, -1).transpose(1, 2)
        if self.prefix:
            mixed = torch.cat([h.new_zeros(B, self.prefix, D), mixed], dim=1)
        return mixed


class Block(nn.Module):
    """Post-norm: h = rms(h + mix(h)); h = rms(h + swiglu(h)). `mix` is attention, with
    `mlp_t` a SwiGLU across the sequence axis (the paper's best Sudoku variant), or with
    `conv` a depthwise convolution over the grid (this project's CPU maze variant)."""

    def __init__(self, cfg: TRMConfig):
        super().__init__()
        self.eps = cfg.rms_eps
        self.mlp_t = cfg.mlp_t
        if cfg.mlp_t:
            self.mix: nn.Module = SwiGLU(cfg.total_len, cfg.expansion, cfg.mlp_multiple)
        elif cfg.conv:
            self.mix = GridConv(cfg)
        else:
            self.mix = Attention(cfg)
        self.mlp = SwiGLU(cfg.hidden, cfg.expansion, cfg.mlp_multiple)

    def forward(self, h: torch.Tensor) -> torch.Tensor:
        if self.mlp_t:
            mixed = self.mix(h.transpose(1, 2)).transpose(1, 2)
        else:
            mixed = self.mix(h)
        h = rms_norm(h + mixed, self.eps)
        return rms_norm(h + self.mlp(h), self.eps)


class Net(nn.Module):
    """The one network both updates share: add the injection, then the block stack."""

    def __init__(self, cfg: TRMConfig):
        super().__init__()
        self.blocks = nn.ModuleList(Block(cfg) for _ in range(cfg.layers))

    def forward(self, h: torch.Tensor, injection: torch.Tensor) -> torch.Tensor:
        h = h + injection
        for block in self.blocks:
            h = block(h)
        return h


def answer_map_tensor(groups: list[int] | None, device: torch.device | str) -> torch.Tensor | None:
    """A task's `answer_map` (None: its targets are its answers) on `device`."""
    return None if groups is None else torch.tensor(groups, dtype=torch.long, device=device)


def answer_logits(logits: torch.Tensor, answer_map: torch.Tensor | None) -> torch.Tensor:
    """Logits over a task's target tokens -> logits to read its answer from: each answer
    token gets the log of the summed probability of the target tokens that stand for it
    (`TRMTask.answer_map`), the others -inf. Taking the most likely target token instead
    could pick a path cell at 0.3 over an off-path cell at 0.7 split four ways."""
    if answer_map is None:
        return logits
    top = logits.max(-1, keepdim=True).values
    summed = torch.zeros_like(logits).index_add_(-1, answer_map, (logits - top).exp())
    return summed.log() + top


@dataclass
class Carry:
    """(y, z) between supervision steps; always detached."""

    y: torch.Tensor
    z: torch.Tensor


class TRM(nn.Module):
    y_init: torch.Tensor  # buffers: the fixed starting (y, z)
    z_init: torch.Tensor

    def __init__(self, cfg: TRMConfig):
        super().__init__()
        self.cfg = cfg
        D = cfg.hidden
        self.embed_scale = math.sqrt(D)
        self.embed = nn.Embedding(cfg.vocab_size, D)
        _trunc_normal_(self.embed.weight, 1.0 / self.embed_scale)
        if cfg.puzzle_emb_len > 0:
            self.puzzle_emb = nn.Embedding(cfg.num_puzzle_ids, D)
            nn.init.zeros_(self.puzzle_emb.weight)
        if cfg.pos_encoding == "learned":
            self.pos = nn.Parameter(
                _trunc_normal_(torch.empty(cfg.total_len, D), 1.0 / self.embed_scale)
            )
        self.net = Net(cfg)
        self.head = Linear(D, cfg.vocab_size)
        self.q_head = Linear(D, 1, bias=True)
        with torch.no_grad():  # start by never halting: the paper's weight 0, bias -5
            self.q_head.weight.zero_()
            self.q_head.bias.fill_(-5.0)
        # Fixed (not learned) random starting points for y and z.
        self.register_buffer("y_init", _trunc_normal_(torch.empty(D), 1.0))
        self.register_buffer("z_init", _trunc_normal_(torch.empty(D), 1.0))

    def num_params(self) -> int:
        return sum(p.numel() for p in self.parameters())

    def input_embedding(
        self, tokens: torch.Tensor, puzzle_ids: torch.Tensor | None = None
    ) -> torch.Tensor:
        x = self.embed(tokens)
        if self.cfg.puzzle_emb_len > 0:
            B = tokens.shape[0]
            prefix = x.new_zeros(B, self.cfg.puzzle_emb_len, self.cfg.hidden)
            ids = puzzle_ids if puzzle_ids is not None else tokens.new_zeros(B)
            prefix[:, 0] = self.puzzle_emb(ids)
            x = torch.cat([prefix, x], dim=1)
        if self.cfg.pos_encoding == "learned":
            x = 0.707106781 * (x + self.pos)
        return self.embed_scale * x

    def initial_carry(self, batch: int) -> Carry:
        shape = (batch, self.cfg.total_len, self.cfg.hidden)
        return Carry(y=self.y_init.expand(shape).clone(), z=self.z_init.expand(shape).clone())

    def reset_carry(self, carry: Carry, rows: torch.Tensor) -> Carry:
        """Fresh (y, z) for the rows in the boolean mask `rows` (samples that halted)."""
        mask = rows.view(-1, 1, 1)
        return Carry(
            y=torch.where(mask, self.y_init.to(carry.y.dtype), carry.y),
            z=torch.where(mask, self.z_init.to(carry.z.dtype), carry.z),
        )

    def forward(
        self,
        carry: Carry,
        tokens: torch.Tensor,
        puzzle_ids: torch.Tensor | None = None,
        latent_noise: float | torch.Tensor = 0.0,
        generator: torch.Generator | None = None,
    ) -> tuple[Carry, torch.Tensor, torch.Tensor]:
        """One supervision step. Returns the new carry (detached), token logits
        (B, seq_len, vocab) and the halting logit (B,).

        `latent_noise` (a scale, or one scale per sample) adds Gaussian noise to z at the
        start of the step: the probabilistic-TRM way to diversify trajectories. It is
        drawn from `generator` when given, so a caller can make it reproducible."""
        x = self.input_embedding(tokens, puzzle_ids)
        y, z = carry.y, carry.z
        if torch.is_tensor(latent_noise) or latent_noise > 0:
            draw = torch.randn(z.shape, generator=generator, dtype=z.dtype, device=z.device)
            scale = (
                latent_noise.to(z.dtype).view(-1, 1, 1)
                if torch.is_tensor(latent_noise)
                else latent_noise
            )
            z = z + scale * draw
        n = self.cfg.L_cycles
        with torch.no_grad():
            for _ in range(self.cfg.H_cycles - 1):
                for _ in range(n):
                    z = self.net(z, y + x)
                y = self.net(y, z)
        for _ in range(n):
            z = self.net(z, y + x)
        y = self.net(y, z)
        logits = self.head(y[:, self.cfg.puzzle_emb_len :])
        # A convolution leaves the first token with a local view only; halting is a
        # whole-answer judgement, so the conv variant reads the mean over all tokens.
        q_halt = self.q_head(y.mean(1) if self.cfg.conv else y[:, 0]).squeeze(-1)
        return Carry(y=y.detach(), z=z.detach()), logits, q_halt

    @torch.no_grad()
    def predict(
        self,
        tokens: torch.Tensor,
        puzzle_ids: torch.Tensor | None = None,
        *,
        steps: int | None = None,
        early_halt: bool = False,
        latent_noise: float | torch.Tensor = 0.0,
        accept: Callable[[torch.Tensor, torch.Tensor], torch.Tensor] | None = None,
        generator: torch.Generator | None = None,
        answer_map: torch.Tensor | None = None,
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """Run up to `steps` supervision steps (default N_sup). A sample stops once it is
        done: with `early_halt` when its halting logit is positive, with `accept` when
        `accept(rows, preds)` (batch indices, their predicted tokens) says its answer is
        final, e.g. a verifier passed it. Finished samples leave the batch, so they stop
        costing compute. Tokens are read through `answer_map` (see `answer_logits`).
        Returns predicted tokens, halting logits and the steps each sample used."""
        steps = self.cfg.halt_max_steps if steps is None else steps
        B = tokens.shape[0]
        carry = self.initial_carry(B)
        preds = tokens.new_zeros(B, self.cfg.seq_len)
        q = carry.y.new_full((B,), -math.inf)
        used = tokens.new_zeros(B)
        live = torch.arange(B, device=tokens.device)  # rows still running, in batch order
        for _ in range(steps):
            if len(live) < B:  # some finished: run only the others
                ids = puzzle_ids[live] if puzzle_ids is not None else None
                noise = latent_noise[live] if torch.is_tensor(latent_noise) else latent_noise
                carry, logits, q_step = self.forward(carry, tokens[live], ids, noise, generator)
            else:
                carry, logits, q_step = self.forward(
                    carry, tokens, puzzle_ids, latent_noise, generator
                )
            p = answer_logits(logits, answer_map).argmax(-1)
            preds[live], q[live] = p, q_step.float()
            used[live] += 1
            done = q_step > 0 if early_halt else torch.zeros_like(q_step, dtype=torch.bool)
            if accept is not None:
                done = done | accept(live, p).to(done.device)
            if done.any():
                keep = ~done
                live, carry = live[keep], Carry(y=carry.y[keep], z=carry.z[keep])
                if not len(live):
                    break
        return preds, q, used

    def flops_per_step(self, batch: int = 1) -> tuple[float, float]:
        """Analytic matmul FLOPs of one supervision step for `batch` samples: (forward only,
        training = forward + backward through the last cycle)."""
        cfg = self.cfg
        L, D = cfg.total_len, cfg.hidden
        inner = _swiglu_width(D, cfg.expansion, cfg.mlp_multiple)
        per_call = cfg.layers * 2 * L * (D * 2 * inner + inner * D)
        if cfg.mlp_t:
            inner_t = _swiglu_width(L, cfg.expansion, cfg.mlp_multiple)
            per_call += cfg.layers * 2 * D * (L * 2 * inner_t + inner_t * L)
        elif cfg.conv:
            per_call += cfg.layers * 2 * cfg.seq_len * D * cfg.conv**2
        else:
            per_call += cfg.layers * (2 * L * D * 4 * D + 2 * 2 * L * L * D)
        calls = cfg.H_cycles * (cfg.L_cycles + 1)
        heads = 2 * cfg.seq_len * D * cfg.vocab_size
        forward = batch * (calls * per_call + heads)
        backward = batch * 2 * ((cfg.L_cycles + 1) * per_call + heads)
        return float(forward), float(forward + backward)
