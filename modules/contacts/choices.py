"""The fixed vocabularies of customer profiles (stored as codes, shown translated)."""

from __future__ import annotations

from core.toolkit import _l

COMPANY_TYPES = {"customer": _l("Customer"), "prospect": _l("Prospect"), "partner": _l("Partner"),
                 "supplier": _l("Supplier"), "other": _l("Other")}
LIFECYCLE_STAGES = {"prospect": _l("Prospect"), "lead": _l("Lead"), "customer": _l("Customer"),
                    "loyal": _l("Loyal customer"), "at_risk": _l("At risk"), "churned": _l("Churned")}
TIERS = {"standard": _l("Standard"), "silver": _l("Silver"), "gold": _l("Gold"), "platinum": _l("Platinum")}
RISK_RATINGS = {"low": _l("Low"), "medium": _l("Medium"), "high": _l("High")}
SOURCE_CHANNELS = {"web": _l("Website"), "referral": _l("Referral"), "event": _l("Event"),
                   "campaign": _l("Campaign"), "cold_call": _l("Cold call"), "partner": _l("Partner"),
                   "social": _l("Social media"), "walk_in": _l("Walk-in"), "other": _l("Other")}
GENDERS = {"female": _l("Female"), "male": _l("Male"), "diverse": _l("Diverse"), "unknown": _l("Not stated")}
AGE_GROUPS = {"under_18": _l("Under 18"), "18_24": "18–24", "25_34": "25–34", "35_44": "35–44",
              "45_54": "45–54", "55_64": "55–64", "65_plus": _l("65 and over")}
CHANNELS = {"email": _l("Email"), "sms": _l("SMS"), "phone": _l("Phone"), "mail": _l("Post"),
            "chat": _l("Chat"), "visit": _l("Visit")}
CONSENT_CHANNELS = ("email", "sms", "phone")
INTERACTION_CHANNELS = {"call": _l("Call"), "email": _l("Email"), "meeting": _l("Meeting"), "visit": _l("Visit"),
                        "fax": _l("Fax"), "chat": _l("Chat"), "sms": _l("SMS"), "web": _l("Web"),
                        "mobile": _l("Mobile app")}
DIRECTIONS = {"inbound": _l("Inbound"), "outbound": _l("Outbound")}
TASK_PRIORITIES = {"low": _l("Low"), "normal": _l("Normal"), "high": _l("High")}
CUSTOM_FIELD_TYPES = {"text": _l("Text"), "number": _l("Number"), "date": _l("Date"),
                      "choice": _l("Choice"), "boolean": _l("Yes/no")}
