"""Transactions module (blocks E, G, I, J): TransactionEvent, MeterValues, StatusNotification,
tariffs and cost."""

from citrine_modules.transactions.module import TransactionsModule

__all__ = ["TransactionsModule"]
