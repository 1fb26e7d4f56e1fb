"""Chinese name pools (all GBK-encodable) and vectorised name building."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

SURNAMES = list(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)
GIVEN = list(
    "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华建国志红文玉兰峰林辉鹏飞云波宇浩然思雨欣怡梓涵子轩嘉俊晨阳凯翔雪梅海燕丹宁成亮斌"
)
CITIES = [
    "上海", "北京", "深圳", "广州", "杭州", "南京", "成都", "武汉", "西安", "重庆", "天津", "苏州",
    "长沙", "郑州", "济南", "青岛", "厦门", "福州", "合肥", "宁波", "沈阳", "大连", "昆明", "南昌",
]  # fmt: skip
ROADS = ["人民路", "中山路", "解放路", "建设路", "世纪大道", "滨江路", "南京路", "和平路", "新华路"]
STOCK_HEADS = list("华中东南西北国海天金宏恒安新泰鑫瑞德信达通远长大永正光明兴盛")
STOCK_MIDS = list("科电能材芯药通航汽化钢泰联创源控智")
STOCK_TAILS = [
    "股份",
    "科技",
    "药业",
    "电子",
    "能源",
    "控股",
    "集团",
    "实业",
    "材料",
    "智能",
    "传媒",
    "银行",
]
BANKS = [
    "工商银行",
    "建设银行",
    "农业银行",
    "中国银行",
    "招商银行",
    "交通银行",
    "兴业银行",
    "浦发银行",
]
FUND_HOUSES = ["华夏", "易方达", "南方", "广发", "嘉实", "富国", "博时", "汇添富", "招商", "鹏华"]


def pick(rng: np.random.Generator, pool: list[str], n: int) -> pa.Array:
    return pa.array(np.asarray(pool, dtype=object)[rng.integers(0, len(pool), n)], type=pa.string())


def person_names(rng: np.random.Generator, n: int) -> pa.Array:
    sur = pick(rng, SURNAMES, n)
    g1 = pick(rng, GIVEN, n)
    g2 = pick(rng, GIVEN, n)
    two = pa.array(rng.random(n) < 0.7)
    given = pc.if_else(two, pc.binary_join_element_wise(g1, g2, ""), g1)
    return pc.binary_join_element_wise(sur, given, "")


def join(*parts: pa.Array | str) -> pa.Array:
    args = [pa.scalar(p) if isinstance(p, str) else p for p in parts]
    return pc.binary_join_element_wise(*args, "")
