"""Training and exams (培训与考试, issue 23 section 3): what a question, a paper and a grade are,
how a paper is drawn from the question bank (reproducibly, by seed), how a question file is
read, who is assigned what (the completion figures and the KPI metric `training_completion`
share it) and whose qualification lapses. No store writes and no scope here: the service layer
(`access.training*`) does those."""
