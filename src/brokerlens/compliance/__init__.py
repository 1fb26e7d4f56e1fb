"""Compliance operations (issue 18): call-backs (回访) made by rules with a provable annual
quota, and complaints (投诉) with SLAs by category. Their tasks and cases live in the store
(`store/compliance_schema.py`) and are worked through `brokerlens.access`; the run steps here
make the rules' call-back tasks and take the complaints feed's newest state as of T."""
