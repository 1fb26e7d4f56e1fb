"""The daily work list (今日待办): candidates from every source, ranked by value and urgency,
a budget per broker.
"""
