"""汇报材料: the quarterly briefing set (page, PPTX deck, chart PNGs, 季度通报, 预警通知单).

``content`` assembles numbers and sentences (pure); ``figures`` builds the plotly
charts; ``charts`` renders them to PNG; ``pptx_deck`` and ``docx_docs`` write the
Office files; ``bundle`` puts everything together. Reading the database is
``services.briefing``'s job.
"""
