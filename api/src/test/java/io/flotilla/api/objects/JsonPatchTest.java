package io.flotilla.api.objects;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

/** RFC 6902 JSON patch and RFC 7386 merge patch. */
class JsonPatchTest {

  private static final ObjectMapper JSON = new ObjectMapper();

  private static JsonNode json(String text) throws Exception {
    return JSON.readTree(text.replace('\'', '"'));
  }

  @Test
  void jsonPatchOperations() throws Exception {
    JsonNode document = json("{'metadata':{'labels':{'a':'1'}},'list':[1,2,3]}");
    JsonNode patch = json("""
        [{'op':'add','path':'/metadata/labels/b~1c','value':'2'},
         {'op':'replace','path':'/metadata/labels/a','value':'9'},
         {'op':'remove','path':'/list/0'},
         {'op':'add','path':'/list/-','value':4},
         {'op':'add','path':'/list/0','value':0},
         {'op':'copy','from':'/metadata/labels','path':'/copied'},
         {'op':'move','from':'/copied/a','path':'/moved'},
         {'op':'test','path':'/moved','value':'9'}]""");
    assertEquals(json("{'metadata':{'labels':{'a':'9','b/c':'2'}},'list':[0,2,3,4],'copied':{'b/c':'2'},'moved':'9'}"),
        JsonPatch.apply(document, patch));
    assertEquals(json("{'metadata':{'labels':{'a':'1'}},'list':[1,2,3]}"), document, "the input is not modified");
  }

  @Test
  void jsonPatchFailures() throws Exception {
    JsonNode document = json("{'a':{'b':1},'list':[1]}");
    for (String bad : new String[] {
        "[{'op':'test','path':'/a/b','value':2}]",
        "[{'op':'remove','path':'/a/missing'}]",
        "[{'op':'replace','path':'/nope','value':1}]",
        "[{'op':'add','path':'/list/5','value':1}]",
        "[{'op':'add','path':'/x/y','value':1}]",
        "[{'op':'frobnicate','path':'/a'}]",
        "{'op':'add'}"}) {
      assertThrows(IllegalArgumentException.class, () -> JsonPatch.apply(document, json(bad)), bad);
    }
  }

  @Test
  void mergePatch() throws Exception {
    assertEquals(json("{'a':{'c':3},'list':[9],'d':'x'}"),
        MergePatch.apply(json("{'a':{'b':1,'c':2},'list':[1,2]}"), json("{'a':{'b':null,'c':3},'list':[9],'d':'x'}")));
  }
}
