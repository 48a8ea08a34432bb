"""LangChain against the gateway, as its docs show it: the OpenAI LLM (which always sends a list
of prompts and seed: null), ChatOpenAI, ChatAnthropic pointed at the gateway, and the
langchain-community MLflow integrations (ChatMlflow, Mlflow, MlflowEmbeddings)."""
import sys

from langchain_anthropic import ChatAnthropic
from langchain_community.chat_models import ChatMlflow
from langchain_community.embeddings import MlflowEmbeddings
from langchain_community.llms import Mlflow
from langchain_openai import ChatOpenAI, OpenAI

base = sys.argv[1]

llm = OpenAI(base_url=f"{base}/v1", api_key="anything", model="completions", max_retries=0)
text = llm.invoke("hi langchain")
assert "hi langchain" in text, text
several = llm.generate(["first prompt", "second prompt"])
assert [g[0].text for g in several.generations] == ["first prompt", "second prompt"], several

chat = ChatOpenAI(base_url=f"{base}/v1", api_key="anything", model="chat", max_retries=0)
assert chat.invoke("hello chat openai").content == "hello chat openai"
streamed = "".join(chunk.content for chunk in chat.stream("streamed chat words"))
assert streamed == "streamed chat words", streamed

claude = ChatAnthropic(base_url=base, api_key="anything", model="chat", max_retries=0)
assert claude.invoke("hello claude").content == "hello claude"

ml_chat = ChatMlflow(target_uri=base, endpoint="chat")
assert ml_chat.invoke("hello mlflow chat").content == "hello mlflow chat"
ml_llm = Mlflow(target_uri=base, endpoint="completions")
assert "hello mlflow llm" in ml_llm.invoke("hello mlflow llm")
embeddings = MlflowEmbeddings(target_uri=base, endpoint="embeddings")
vectors = embeddings.embed_documents(["a", "b", "c"])
assert len(vectors) == 3 and len(vectors[0]) > 0, vectors
assert len(embeddings.embed_query("q")) == len(vectors[0])

print("langchain clients: OK")
