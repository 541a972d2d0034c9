from app.quiz.models.attempt import Attempt, AttemptQuestion, AttemptStatus
from app.quiz.models.bank import Question, QuestionBank, QuestionCategory, QuestionImage, QuestionTag, QuestionVersion
from app.quiz.models.quiz import Quiz, QuizSlot, ScorePolicy

__all__ = [
    "Attempt", "AttemptQuestion", "AttemptStatus", "Question", "QuestionBank", "QuestionCategory", "QuestionImage",
    "QuestionTag", "QuestionVersion", "Quiz", "QuizSlot", "ScorePolicy",
]
