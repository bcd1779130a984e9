"""The service layer: every command's meaning, independent of any chat platform."""

from bot.service.recommendation import ChatRef, ListFetcher, RecommendationService, UserRef

__all__ = ["ChatRef", "ListFetcher", "RecommendationService", "UserRef"]
