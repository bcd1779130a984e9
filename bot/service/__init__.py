"""The service layer: every command's meaning, independent of any chat platform."""

from bot.service.ports import ListFetcher, Store
from bot.service.recommendation import ChatRef, RecommendationService, UserRef

__all__ = ["ChatRef", "ListFetcher", "RecommendationService", "Store", "UserRef"]
