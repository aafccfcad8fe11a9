package io.spikert.spark

import io.spikert.model.generate.SamplingParams
import org.apache.spark.sql.Row
import org.junit.jupiter.api.Assertions._
import org.junit.jupiter.api.Test

import scala.jdk.CollectionConverters._

/**
 * The Spark API as a Scala user calls it: a DataFrame made from a Scala collection with the session's implicits,
 * `SpikeRT.score` and the SQL function from Scala, generation options built in Scala. The results are the library's,
 * bit for bit, as from Java (ScoreTest, SqlTest, GenerateTest).
 */
class ScalaApiTest {

  @Test
  def scoresFromScalaEqualTheLibraryBitForBit(): Unit = {
    val spark = TestSpark.session()
    import spark.implicits._
    val texts = Texts.many(6).asScala.toSeq
    val docs = texts.zipWithIndex.map { case (text, id) => (id, text) }.toDF("id", "text").repartition(2)
    val scored = SpikeRT.score(docs, "text", ScoreTest.options())
    assertEquals(Seq("id", "text", "mean_log_likelihood", "perplexity", "tokens", "error"), scored.columns.toSeq)
    ScoreTest.assertLibraryScores(ScalaApiTest.lib, texts.asJava, scored.collectAsList())
  }

  @Test
  def theSqlFunctionFromScalaGivesTheSameScores(): Unit = {
    val spark = TestSpark.session()
    import spark.implicits._
    val texts = Texts.many(4).asScala.toSeq
    texts.zipWithIndex.map { case (text, id) => (id, text) }.toDF("id", "text").createOrReplaceTempView("scala_docs")
    SpikeRT.register(spark, "scala_spikert_score", ScoreTest.options())
    val perplexities: Map[Int, Double] = spark
      .sql("SELECT id, scala_spikert_score(text).perplexity AS perplexity FROM scala_docs")
      .as[(Int, Double)]
      .collect()
      .toMap
    assertEquals(texts.size, perplexities.size)
    for ((text, id) <- texts.zipWithIndex) {
      val expected = ScalaApiTest.lib.score(ScalaApiTest.lib.tokenizer.encode(text))(1)
      assertEquals(java.lang.Double.doubleToRawLongBits(expected), java.lang.Double.doubleToRawLongBits(perplexities(id)),
        s"perplexity of row $id: $expected vs ${perplexities(id)}")
    }
  }

  @Test
  def greedyGenerationFromScalaEqualsTheLibraryGenerator(): Unit = {
    val spark = TestSpark.session()
    import spark.implicits._
    val texts = Texts.many(2).asScala.toSeq
    val options = GenerateTest.options().withBatchSize(1).withMaxNewTokens(2)
    val out: Map[Int, Row] = SpikeRT
      .generate(texts.zipWithIndex.map { case (text, id) => (id, text) }.toDF("id", "text"), "text", options)
      .collect()
      .map(r => r.getInt(0) -> r)
      .toMap
    for ((text, id) <- texts.zipWithIndex) {
      val expected = ScalaApiTest.lib.generate(ScalaApiTest.lib.tokenizer.encode(text), 2,
        SamplingParams.GREEDY)
      val row = out(id)
      assertNull(row.getAs[String]("error"), s"row $id")
      assertEquals(expected.tokens().toSeq, row.getAs[scala.collection.Seq[Int]]("completion_ids").toSeq, s"ids of row $id")
    }
  }
}

object ScalaApiTest {
  private val lib: LibraryModel = LibraryModel.base()
}
