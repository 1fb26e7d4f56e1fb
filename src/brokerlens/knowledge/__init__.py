"""The knowledge base (知识库, issue 23 section 2), below the service layer: where attachments
live (`layout`), which files are accepted (`attachments`), Markdown rendered safely
(`markdown`), search terms, highlights and snippets (`search`), and seeded sample articles for
the bench (`sample`). The articles themselves are in the store (`store.knowledge_schema`); who
reads, writes and approves them is `access.knowledge`'s.
"""
